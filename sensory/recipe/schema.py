"""The JSON Schema of recipe files (``sensory schema``), built from the declarations.

Every field's description, unit and range come from the models in
:mod:`sensory.recipe.model` and the kinds' parameter declarations, so an editor
that reads the schema offers what validation accepts.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import ConfigDict, Field, create_model

from .. import kinds
from .groups import PresetLayer
from .model import Phase, Session, layer_model

__all__ = ["recipe_schema"]


def recipe_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a recipe file, every kind's layer included, and a layer
    that is a whole preset."""
    layers = [layer_model(k) for k in sorted(kinds.load_all())]
    layer_type = Union[Annotated[Union[tuple(layers)], Field(discriminator="kind")], PresetLayer]
    model = create_model(
        "Recipe",
        __config__=ConfigDict(extra="forbid"),
        session=(Session, ...),
        phase=(list[Phase], Field(default_factory=list)),
        layer=(list[layer_type], Field(min_length=1)),
    )
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "sensory recipe"
    return schema

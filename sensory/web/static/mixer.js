// The sensory mixer's page: the player's state arrives over a WebSocket and is drawn;
// every control sends one message {token, do, ...} (sensory/web/messages.py).
"use strict";

const token = document.body.dataset.token;
const $ = (id) => document.getElementById(id);
let socket = null;
let retry = 500;
let layout = "";        // the names of the groups and layers drawn, to redraw only when they change
let held = null;        // the slider under the pointer: the state does not move it meanwhile
const moved = new WeakMap();  // when each slider was last moved here: the state lags that long
const LAG_MS = 500;

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ token, ...message }));
  }
}

function connect() {
  socket = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
  socket.onopen = () => {
    retry = 500;
    connection("connected", false);
  };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "state") draw(message);
    else if (message.type === "refused") note(`refused: ${message.why}`);
    else if (message.type === "saved") {
      note(`saved as ${message.name}: sensory play ${message.name}`);
      $("save-name").value = "";
    }
    else if (message.type === "added") note(`${message.preset} fades in`);
  };
  socket.onclose = () => {
    connection("not connected: the mixer has stopped, or is starting again", true);
    setTimeout(connect, retry);
    retry = Math.min(2 * retry, 5000);
  };
}

function connection(text, lost) {
  $("connection").textContent = text;
  $("connection").classList.toggle("lost", lost);
}

function note(text) {
  $("note").textContent = text;
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${r}` : `${m}:${r}`;
}

function decibels(db) {
  return `${db > 0 ? "+" : ""}${db.toFixed(1)} dB`;
}

// -- drawing ----------------------------------------------------------------------------------

function slider(name, range, onMove) {
  const label = document.createElement("label");
  label.className = "slider";
  const title = document.createElement("span");
  title.className = "name";
  title.textContent = name;
  const input = document.createElement("input");
  input.type = "range";
  input.min = range[0];
  input.max = range[1];
  input.step = 0.5;
  input.setAttribute("aria-label", name);
  const value = document.createElement("output");
  input.addEventListener("input", () => {
    value.textContent = decibels(Number(input.value));
    onMove(Number(input.value));
  });
  hold(input);
  label.append(title, input, value);
  return label;
}

function hold(input) {
  input.addEventListener("pointerdown", () => { held = input; });
  input.addEventListener("pointerup", () => { held = null; });
  input.addEventListener("input", () => moved.set(input, performance.now()));
}

function set(input, db) {
  const recent = performance.now() - (moved.get(input) ?? -Infinity) < LAG_MS;
  if (input !== held && !recent) input.value = db;
  input.parentElement.querySelector("output").textContent = decibels(Number(input.value));
}

function muteButton(onPress) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "mute";
  button.addEventListener("click", () => onPress(!button.classList.contains("on")));
  return button;
}

function controlLine(kind, index, name, range) {
  const line = document.createElement("div");
  line.className = "line";
  line.dataset.kind = kind;
  line.dataset.index = index;
  line.append(slider(name, range, (db) => send({ do: kind, index, db })),
              muteButton((muted) => send({ do: kind, index, muted })));
  if (kind === "group") {
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "remove";
    remove.addEventListener("click", () => send({ do: "remove", index }));
    line.append(remove);
  }
  return line;
}

function build(state) {
  const mix = $("mix");
  mix.replaceChildren();
  const range = state.ranges.layer;
  const grouped = new Set();
  (state.groups || []).forEach((group, g) => {
    const card = document.createElement("div");
    card.className = "group";
    const head = controlLine("group", g, group.name, range);
    head.classList.add("group-head");
    const members = document.createElement("div");
    members.className = "members";
    for (const i of group.layers) {
      grouped.add(i);
      members.append(controlLine("layer", i, state.layers[i].name.split("/").pop(), range));
    }
    card.append(head, members);
    mix.append(card);
  });
  const loose = state.layers.map((layer, i) => i).filter((i) => !grouped.has(i));
  if (loose.length) {
    const card = document.createElement("div");
    card.className = "layers";
    for (const i of loose) card.append(controlLine("layer", i, state.layers[i].name, range));
    mix.append(card);
  }
}

function update(line, control) {
  set(line.querySelector("input"), control.db);
  const mute = line.querySelector("button");
  mute.classList.toggle("on", control.muted);
  mute.setAttribute("aria-pressed", control.muted);
  line.classList.toggle("muted", control.muted);
}

function draw(state) {
  document.title = `${state.title} · sensory mixer`;
  $("title").textContent = state.title;
  const total = state.end === null ? "" : ` / ${clock(state.end)}`;
  $("clock").textContent = clock(state.position) + total + (state.stopping ? " · fading out" : "");
  $("phase").hidden = !state.phase;
  if (state.phase) {
    $("phase-name").textContent = state.phase.name;
    $("phase-text").textContent = state.phase.description;
  }
  $("play").textContent = state.paused ? "play" : "pause";
  $("play").dataset.paused = state.paused;
  const master = $("master");
  master.min = state.ranges.volume[0];
  master.max = state.ranges.volume[1];
  set(master, state.volume_db);

  const names = JSON.stringify([state.layers.map((l) => l.name), (state.groups || []).map((g) => g.name)]);
  if (names !== layout) {
    layout = names;
    build(state);
  }
  for (const line of $("mix").querySelectorAll(".line")) {
    const list = line.dataset.kind === "group" ? state.groups : state.layers;
    update(line, list[Number(line.dataset.index)]);
  }

  $("picker").hidden = !state.presets.length;
  const offered = [...$("preset").options].map((o) => o.value);
  if (JSON.stringify(offered) !== JSON.stringify(state.presets)) {
    $("preset").replaceChildren(...state.presets.map((name) => new Option(name, name)));
  }
  $("sleep").textContent = state.sleep ? "cancel" : "set";
  $("sleep").dataset.on = Boolean(state.sleep);
  $("sleep-left").textContent = state.sleep ? `sleeping in ${clock(state.sleep.left)}` : "";
}

// -- the fixed controls -----------------------------------------------------------------------

$("play").addEventListener("click", () => send({ do: "pause", paused: $("play").dataset.paused !== "true" }));
$("master").addEventListener("input", () => {
  set($("master"), Number($("master").value));
  send({ do: "volume", db: Number($("master").value) });
});
hold($("master"));
$("add").addEventListener("click", () => send({ do: "add", preset: $("preset").value }));
$("sleep").addEventListener("click", () => {
  if ($("sleep").dataset.on === "true") send({ do: "sleep", minutes: null });
  else send({ do: "sleep", minutes: Number($("sleep-minutes").value), fade: Number($("sleep-fade").value) });
});
$("save").addEventListener("click", () => {
  const name = $("save-name").value.trim();
  send(name ? { do: "save", name } : { do: "save" });
});

connect();

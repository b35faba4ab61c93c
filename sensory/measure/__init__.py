"""Measurement: streaming loudness and true peak, file analysis, spectrogram previews."""

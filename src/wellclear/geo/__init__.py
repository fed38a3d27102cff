"""Pure geodesy and geometry on WGS84: units, local frames, shapes, distances."""

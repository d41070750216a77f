"""The golden case catalogue: one module per op family, each with `cases()`."""

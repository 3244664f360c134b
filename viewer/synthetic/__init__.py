"""The generator of the bundled case's teaching images (``viewer build-demo``)."""

"""Data files shipped with dreamzoom (ImageNet class names)."""

"""What the kitchen screens see: the numbered log of kitchen-visible changes."""

"""Player commands: one small module each, collected in ``registry``."""

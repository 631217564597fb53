"""Request and response schemas of the edge API (marshmallow, via APIFlask)."""

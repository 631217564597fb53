"""Request and response schemas of the cloud API (marshmallow, via APIFlask)."""

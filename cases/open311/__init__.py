"""Open311 GeoReport v2 at /open311/v2/ (DOMAIN.md §11): the public channel for other systems."""

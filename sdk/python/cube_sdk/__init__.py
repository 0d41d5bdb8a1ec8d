"""Read the platform's datasets from Cube (model training, notebooks) through the data API.

Standard library only. Settings come from the environment:

- ``ODS_DATA_API_URL``: the data API's base URL, e.g. https://data.example.com
- a token, either ``ODS_API_TOKEN`` (a bearer token from the platform realm), or the client
  credentials ``ODS_TOKEN_URL``, ``ODS_CLIENT_ID`` and ``ODS_CLIENT_SECRET`` (a token is fetched and
  renewed before it expires).

    >>> from cube_sdk import Dataset
    >>> ds = Dataset.get("ds-001")
    >>> print(ds.read())

Object bytes never pass through the data API: it hands out short-lived presigned URLs for the
dataset's own prefix, and the SDK fetches them from the object store directly.
"""

from .client import Client, DataApiError, Dataset, ObjectInfo

__all__ = ["Client", "DataApiError", "Dataset", "ObjectInfo"]
__version__ = "1.0.0"

"""The programme's IATI activity file as an API answer (`programmes/{id}/iati/`)."""

from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer


class IatiXmlRenderer(BaseRenderer):
    """The file as `pilots.iati` wrote it (UTF-8 bytes with their XML declaration). An error
    answers in the API's one JSON shape (`csrplatform.schema.ErrorSerializer`), not in XML."""

    media_type = "application/xml"
    format = "xml"
    charset = None  # the bytes declare their encoding

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = JSONRenderer.media_type
        return JSONRenderer().render(data, renderer_context=renderer_context)


class IatiTextXmlRenderer(IatiXmlRenderer):
    """The same file for a client that asks for text/xml (RFC 7303: the same XML)."""

    media_type = "text/xml"


class XmlFileNegotiation(DefaultContentNegotiation):
    """The file answers as XML whatever the client accepts (application/xml unless it asks for
    text/xml), as a download does, instead of 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except (NotAcceptable, Http404):
            return renderers[0], renderers[0].media_type

"""Standard business processes (業務フロー) as data: load, validate, and render as Mermaid, text or a document."""

from kodomo_ai.flows.document import build_documents, document_path, render_document, stale_documents
from kodomo_ai.flows.loader import FlowError, FlowNotFoundError, flow_names, load, load_all, parse_flow
from kodomo_ai.flows.mermaid import escape_label, to_mermaid
from kodomo_ai.flows.model import Actor, Branch, DataItem, Flow, Master, Note, Source, Step
from kodomo_ai.flows.text import to_text
from kodomo_ai.flows.validate import FlowIssue, FlowValidationError, ensure_valid, validate_flow

__all__ = [
    "Actor",
    "Branch",
    "DataItem",
    "Flow",
    "FlowError",
    "FlowIssue",
    "FlowNotFoundError",
    "FlowValidationError",
    "Master",
    "Note",
    "Source",
    "Step",
    "build_documents",
    "document_path",
    "ensure_valid",
    "escape_label",
    "flow_names",
    "load",
    "load_all",
    "parse_flow",
    "render_document",
    "stale_documents",
    "to_mermaid",
    "to_text",
    "validate_flow",
]

"""Request and response bodies of the API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kodomo_ai.schema import Answer

MAX_QUESTION_CHARS = 2000  # the same limit Consultant enforces
# One Server-Sent Event as schema checkers see it: an event name and its data (JSON text).
SSE_EVENT: dict[str, Any] = {
    "type": "object",
    "properties": {"event": {"type": "string"}, "data": {"type": "string"}, "id": {"type": "string"}},
}
AudienceName = Literal["parent", "caseworker", "trainer"]


class Message(BaseModel):
    """One earlier turn of the conversation."""

    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_QUESTION_CHARS * 2)


class ConsultRequest(BaseModel):
    """A question to the consultation pipeline."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        min_length=1, max_length=MAX_QUESTION_CHARS, examples=["出生届はいつまでに出せばいいですか"]
    )
    audience: AudienceName = "parent"
    history: list[Message] = Field(default_factory=list, max_length=20)
    plain: bool = Field(default=False, description="やさしい日本語で答える")
    language: Literal["ja", "en"] = "ja"
    stream: bool = Field(default=False, description="Server-Sent Events で返す（delta … final）")
    conversation_id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class PassageOut(BaseModel):
    """The full text of a cited chunk (to show the quote in context)."""

    chunk_id: str
    doc_id: str
    heading: str
    text: str


class ConsultResponse(Answer):
    """The answer (the `ask --json` contract) plus ids for feedback and the cited passages."""

    conversation_id: str
    answer_id: str
    passages: list[PassageOut] = Field(default_factory=list)


class SearchRequest(BaseModel):
    """A hybrid search over the indexed documents."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    k: int = Field(default=5, ge=1, le=50)
    audience: AudienceName | None = None
    doc_types: list[Literal["guidance", "manual", "flow", "faq", "notice", "training", "contacts"]] | None = (
        None
    )
    municipality: str | None = Field(default=None, max_length=40)


class FeedbackRequest(BaseModel):
    """Thumbs up or down on an answer, with an optional comment."""

    model_config = ConfigDict(extra="forbid")

    answer_id: str = Field(min_length=1, max_length=64)
    rating: Literal["up", "down"]
    comment: str = Field(default="", max_length=1000)


class FeedbackResponse(BaseModel):
    """The stored feedback's id."""

    id: str
    answer_id: str
    rating: str


class Health(BaseModel):
    """Liveness or readiness."""

    status: str
    checks: dict[str, str] = Field(default_factory=dict)
    generation: str | None = None  # the index generation this worker answers from (readiness only)


class CalcRule(BaseModel):
    """A calculator: its name, label and input JSON schema."""

    name: str
    label: str
    description: str
    input_schema: dict[str, Any]
    example: dict[str, Any]


class CalcResponse(BaseModel):
    """A rule result with its explanation steps and citations."""

    rule: str
    result: dict[str, Any]
    steps: list[str] = Field(default_factory=list)
    citations: list[dict[str, Any]] = Field(default_factory=list)


class FlowSummary(BaseModel):
    """A standard process: its name, title and number of steps."""

    name: str
    title: str
    steps: int


class FlowOut(BaseModel):
    """A standard process as a Mermaid diagram, plain text and data."""

    name: str
    title: str
    mermaid: str
    text: str
    flow: dict[str, Any]
    issues: list[str] = Field(default_factory=list)


class DocumentOut(BaseModel):
    """An indexed document with its staleness."""

    doc_id: str
    title: str
    doc_type: str = ""
    publisher: str = ""
    source: str = ""
    published: str | None = None
    effective_from: str | None = None
    effective_to: str | None = None
    municipality: str | None = None
    audience: list[str] = Field(default_factory=list)
    chunks: int = 0
    ingested_at: str = ""
    stale: bool = False
    stale_reason: str = ""


class FindingOut(BaseModel):
    """A sentence that kept a document out of the index, and why."""

    sentence: str
    reason: str
    kind: str
    score: float | None = None


class QuarantineOut(BaseModel):
    """A document kept out of the index (not searchable) until its file is fixed."""

    doc_id: str
    file: str
    findings: list[FindingOut]
    at: str


class IngestOut(BaseModel):
    """What an upload did."""

    added: list[str]
    updated: list[str]
    unchanged: list[str]
    errors: list[str]
    chunks: int
    seconds: float
    generation: str = ""


class RetireOut(BaseModel):
    """A retired document."""

    doc_id: str
    retired: bool


class EvalRunRequest(BaseModel):
    """Which suites to run with which engine."""

    model_config = ConfigDict(extra="forbid")

    suites: list[str] = Field(min_length=1, max_length=20)
    engine: Literal["extractive", "openai", "llamacpp"] = "extractive"
    workers: int = Field(default=2, ge=1, le=4)


class EvalRunOut(BaseModel):
    """An eval run's status; `summary` and `result` are filled when it is done."""

    id: str
    status: Literal["queued", "running", "done", "failed"]
    suites: list[str]
    engine: str
    created_at: str
    finished_at: str | None = None
    summary: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    error: str | None = None


class SuiteOut(BaseModel):
    """An evaluation suite available to run."""

    name: str
    description: str
    criterion: str
    cases: int
    threshold: float
    # Documents the run indexes into a temporary copy first (injection and privacy suites): minutes, not seconds.
    planted_documents: int = 0


class KeyCreate(BaseModel):
    """A new API key for a role."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["caseworker", "trainer", "evaluator", "admin"]
    name: str = Field(default="", max_length=200)


class KeyOut(BaseModel):
    """An API key (the secret only once, at creation)."""

    id: str
    role: str
    name: str
    created_at: str
    revoked: bool = False
    key: str | None = None


class AuditOut(BaseModel):
    """One audit log entry."""

    id: int
    at: str
    role: str
    key_id: str
    action: str
    status: int
    input: str
    output: str
    sources: list[Any]
    engine: str
    latency_ms: float


class WhoAmI(BaseModel):
    """The caller's role."""

    role: str
    key_id: str | None = None


# -- OpenAI-compatible /v1/chat/completions --------------------------------------------------------
ChatLanguage = Literal["ja", "easy", "en"]


class ChatMessage(BaseModel):
    """An OpenAI chat message (text content only)."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None


class StreamOptions(BaseModel):
    """OpenAI stream options: `include_usage` adds a last chunk carrying `usage`."""

    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatRequest(BaseModel):
    """An OpenAI chat completion request; sampling options (temperature, top_p …) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = "kodomo-ai"
    messages: list[ChatMessage] = Field(min_length=1, max_length=50)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(
        default=None, ge=1, description="回答の上限トークン数（e5 のトークナイザーで数えます）"
    )
    max_completion_tokens: int | None = Field(default=None, ge=1, description="max_tokens の新しい名前")
    n: int | None = Field(default=None, ge=1, description="1 だけに対応（2 以上は 400）")
    tools: list[dict[str, Any]] | None = Field(default=None, description="非対応（指定すると 400）")
    functions: list[dict[str, Any]] | None = Field(default=None, description="非対応（指定すると 400）")
    language: ChatLanguage | None = Field(
        default=None,
        description="回答の言語: ja / easy（やさしい日本語）/ en。省略時は system メッセージと質問から決めます",
    )


class UrlCitation(BaseModel):
    """Where a `[n]` mark of the reply points: the source's address and title, and the mark's position."""

    url: str
    title: str
    start_index: int
    end_index: int


class ChatAnnotation(BaseModel):
    """An OpenAI message annotation (always a url_citation)."""

    type: Literal["url_citation"] = "url_citation"
    url_citation: UrlCitation


class ChatChoiceMessage(BaseModel):
    """The assistant's reply; the text keeps its `[n]` marks and each mark has an annotation."""

    role: Literal["assistant"] = "assistant"
    content: str
    refusal: str | None = None
    annotations: list[ChatAnnotation] = Field(default_factory=list)


class ChatChoice(BaseModel):
    """One choice (always exactly one)."""

    index: int = 0
    message: ChatChoiceMessage
    finish_reason: Literal["stop", "length"] = "stop"
    logprobs: None = None


class ChatUsage(BaseModel):
    """Tokens counted with the embedding model's tokenizer (multilingual-e5: XLM-R sentencepiece)."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatResponse(BaseModel):
    """An OpenAI chat completion, plus `citations` and the full kodomo-ai answer under `kodomo`."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: ChatUsage
    citations: list[dict[str, Any]] = Field(default_factory=list)
    kodomo: dict[str, Any] = Field(default_factory=dict)


class ModelCard(BaseModel):
    """A model as /v1/models lists it."""

    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "kodomo-ai"


class ModelList(BaseModel):
    """The models offered."""

    object: Literal["list"] = "list"
    data: list[ModelCard]

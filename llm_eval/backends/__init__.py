"""Language-model backends behind one interface (:class:`llm_eval.backends.base.LanguageModelBackend`)."""

from llm_eval.backends.base import Chat, LanguageModelBackend, Message
from llm_eval.backends.registry import load_backend

__all__ = ["Chat", "LanguageModelBackend", "Message", "load_backend"]

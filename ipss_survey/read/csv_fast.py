"""CSV, fast path: pyarrow's multi-threaded reader, streamed in blocks into category codes.

Called by ``csv_reader.read_csv`` for every CSV file; it returns None (and the reader falls
back to the pandas parser, ``csv_general``) wherever it could not give exactly the cells and
ledger pandas would. The file is parsed about 5,000 rows at a time, the next block in a
thread while this one is coded, and each column is kept as one byte a cell for fewer than 127
distinct texts.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ipss_survey.read.encoding import Scan
from ipss_survey.read.table import MiB, Progress, ReadSettings

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


# Appended as one last record: if a quote is left open at the end of the file, the open value
# swallows it, so the fast reader notices what pandas reports as an error.
_END = "\ue000"  # a private-use character: four bytes a column, with the delimiter


class _Feed(io.RawIOBase):
    """The file as UTF-8 for pyarrow, from the first byte, with the end sentinel appended.

    Other encodings are decoded here with Python's codecs (the same decoding pandas uses);
    ``done`` counts the file's bytes read, for progress.
    """

    def __init__(self, path: Path, enc: str, tail: bytes, settings: ReadSettings) -> None:
        super().__init__()
        self._fh = settings.opener(path)
        self._bom = enc == "utf-8-sig"
        self._decoder = (
            None if enc in ("utf-8", "utf-8-sig") else codecs.getincrementaldecoder(enc)()
        )
        self._tail: bytes | None = tail
        self._last = b"\n"
        self.done = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        want = size if size is not None and size > 0 else 4 * MiB
        while True:
            raw = self._fh.read(want)
            self.done += len(raw)
            block = raw
            if self._bom:
                self._bom = False
                block = block.removeprefix(codecs.BOM_UTF8)
            if self._decoder is not None:
                block = self._decoder.decode(raw, final=not raw).encode("utf-8")
            if block:
                self._last = block[-1:]
                return block
            if not raw:
                break
        if self._tail is None:
            return b""
        tail, self._tail = self._tail, None
        return (b"" if self._last in (b"\n", b"\r") else b"\n") + tail

    def close(self) -> None:
        self._fh.close()
        super().close()


def parse_fast(
    path: Path,
    enc: str,
    sep: str,
    header_row: int,
    width: int,
    chunk_rows: int,
    scan: Scan,
    settings: ReadSettings,
    progress: Progress | None,
) -> tuple[list[Any], pd.DataFrame] | None:
    """Parse with pyarrow's multi-threaded reader, holding each column as small codes.

    Gives exactly what the general parser gives (same cells, same blank records, a frame of
    categories when the file is more than one chunk) or None when the file needs the general
    parser: a row wider or narrower than the header, a quote left open, text that is not
    valid in its encoding, a record longer than a block. Memory stays near one byte per cell
    of each answer column (plus the text of columns with many distinct values, such as ids),
    since each parsed block is turned into codes and dropped.
    """
    try:
        import pyarrow as pa
    except ImportError:  # a declared dependency; without it the general parser reads all
        return None
    names = [f"c{j}" for j in range(width)]
    tail = (sep.join([_END] * width) + "\n").encode("utf-8")
    table = _CodeTable(width, scan.lines - header_row + 16, settings.raw_after)
    header: list[Any] | None = None
    held: pa.RecordBatch | None = None
    with _Feed(path, enc, tail, settings) as feed:
        try:
            reader = _open_reader(feed, names, sep, header_row, enc, scan, settings)
            with contextlib.closing(_read_ahead(reader)) as batches:
                for batch in batches:
                    if header is None and batch.num_rows:
                        header = [batch.column(j)[0].as_py() for j in range(width)]
                        batch = batch.slice(1)
                    if not batch.num_rows:
                        continue
                    if held is not None:  # the sentinel ends the last batch: hold one back
                        table.add(held)
                        if progress is not None:
                            progress(min(feed.done, scan.size), scan.size)
                    held = batch
            if held is None or header is None:
                return None
            last = held.slice(held.num_rows - 1)
            if any(last.column(j)[0].as_py() != _END for j in range(width)):
                return None  # a quote left open swallowed the sentinel
            table.add(held.slice(0, held.num_rows - 1))
            held = None
            # Categories for a file of more than one chunk (as the general parser gives them)
            # or of more than a few thousand rows: one byte a cell instead of eight.
            categorical = table.rows + 1 > min(chunk_rows, settings.fast_categories_after)
            frame = _frame(table, names, categorical)
        except (pa.ArrowException, ValueError):  # also UnicodeDecodeError from the feed
            return None
        finally:
            pa.default_memory_pool().release_unused()  # the parse's blocks, back to the system
    return header, frame


def _open_reader(
    feed: _Feed,
    names: list[str],
    sep: str,
    header_row: int,
    enc: str,
    scan: Scan,
    settings: ReadSettings,
) -> Any:
    """pyarrow's streaming CSV reader over the feed: every cell as text, blank lines kept."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    return pacsv.open_csv(
        feed,
        read_options=pacsv.ReadOptions(
            column_names=names,
            skip_rows=header_row - 1,
            block_size=_block_size(scan, settings.fast_block_bytes),
            encoding="utf8",
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=sep,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=True,
            ignore_empty_lines=False,  # a blank line is a record of empty cells
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            check_utf8=enc == "utf-8-sig",  # other text is checked or decoded already
        ),
    )


def _frame(table: _CodeTable, names: list[str], categorical: bool) -> pd.DataFrame:
    """The parsed columns as a frame: categories, or plain Python text (as pandas gives).

    In a frame of categories, a column of very many distinct texts (ids, weights, comments)
    is held as Arrow text, about 10 bytes a cell instead of some 60 as Python strings: the
    weight column of an unweighted run is never turned into Python text at all, and an id
    column only when coding reads it. (As categories, pandas would build a hash table of
    the million distinct texts to check them, as Python strings.)
    """
    import pandas as pd

    data: dict[str, Any] = {}
    for j, name in enumerate(names):
        codes, values = table.finish(j)
        if codes is None:  # very many distinct texts, as an Arrow array
            if categorical:
                data[name] = pd.Series(pd.arrays.ArrowStringArray(values), copy=False)
            else:
                text = values.to_numpy(zero_copy_only=False).astype(object, copy=False)
                data[name] = pd.Series(text, dtype=object, copy=False)
        elif categorical:
            data[name] = pd.Categorical.from_codes(
                codes, categories=pd.Index(values, dtype=object), validate=False
            )
        else:  # plain Python text, as the general parser gives a one-chunk file
            data[name] = pd.Series(values[codes], dtype=object, copy=False)
    return pd.DataFrame(data, copy=False)


def _block_size(scan: Scan, block_bytes: int) -> int:
    """Bytes per parsed block: about 5,000 rows of a typical file (numpy's per-call cost is
    spread over many cells, the block's arrays stay in cache), and whole records at least."""
    per_line = scan.size / max(scan.lines, 1)
    scale = min(max(per_line / 200, 1.0), 8.0)
    return max(int(block_bytes * scale), 4 * scan.longest + 4096)


def _read_ahead(reader: Any, depth: int = 3) -> Iterator[pa.RecordBatch]:
    """The reader's batches, the next ones parsed in a thread while the caller codes this one.

    pyarrow's streaming reader parses a block only when asked for it; asking from a second
    thread (parsing releases the GIL) lets parsing and coding share the two cores.
    """
    done = object()
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for batch in reader:
                if not put(batch):
                    return
            put(done)
        except BaseException as exc:  # handed to the caller, raised there
            put(exc)

    worker = threading.Thread(target=run, name="ipss-csv-read-ahead", daemon=True)
    worker.start()
    try:
        while (item := q.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _code_dtype(n_values: int) -> type[np.signedinteger[Any]]:
    """The smallest code type for ``n_values`` categories (pandas' own choice)."""
    if n_values < 127:
        return np.int8
    return np.int16 if n_values < 32_767 else np.int32


class _CodeTable:
    """All columns of a CSV file as category codes, filled one parsed block at a time.

    A column with fewer than 127 distinct texts (any answer column) writes its int8 codes
    straight into one preallocated (columns x rows) matrix, whose rows the frame's
    categories then use without a copy: one byte per cell, no pieces to join at the end.
    A column with more distinct texts keeps wider codes; one with very many (ids, comments)
    keeps its text and is encoded once at the end.
    """

    def __init__(self, width: int, capacity: int, raw_after: int) -> None:
        self.columns = [_ColumnCodes() for _ in range(width)]
        self.raw_after = raw_after  # distinct texts after which a column keeps its text
        self.small = np.empty((width, max(capacity, 1)), dtype=np.int8)
        self.rows = 0

    def add(self, batch: pa.RecordBatch) -> None:
        n = batch.num_rows
        start, stop = self.rows, self.rows + n
        if stop > self.small.shape[1]:  # more records than lines counted (lone CR endings)
            grown = np.empty((self.small.shape[0], 2 * stop), dtype=np.int8)
            grown[:, :start] = self.small[:, :start]
            self.small = grown
        for j, col in enumerate(self.columns):
            got = col.add(batch.column(j))
            if got is None:
                continue
            if col.chunks is None and len(col.values) < 127:
                self.small[j, start:stop] = got
            else:
                if col.chunks is None:  # too many texts for int8 codes from now on
                    col.chunks = [self.small[j, :start].astype(np.int16)]
                col.chunks.append(got.astype(_code_dtype(len(col.values))))
                if len(col.values) > self.raw_after:
                    col.keep_text()
        self.rows = stop

    def finish(self, j: int) -> tuple[np.ndarray | None, Any]:
        """Column ``j``: the code of each row and the categories (Python strings), or None
        and the text of each row (an Arrow array) for a column of very many distinct texts."""
        col = self.columns[j]
        if col.text is None and col.chunks is None:
            return self.small[j, : self.rows], col.categories()
        return col.finish()


_SMALL_BLOCK = 4096  # rows of a block whose texts are looked up in Python


class _ColumnCodes:
    """One column's categories, learnt block by block: each distinct text kept once.

    A cell's key is its length (0, 1, more) and first byte, read by numpy from pyarrow's
    buffers, so empty cells and one-character answers ('1'..'5') cost no Python per cell;
    longer texts are dictionary-encoded per block. Categories are numbered in order of first
    appearance, as pandas numbers them.
    """

    def __init__(self) -> None:
        self.values: list[str] = []
        self.index: dict[str, int] = {}  # texts of two or more bytes -> category
        # key -> category; -1 not seen yet; -2 look the text up (longer, or a lone byte >= 128)
        self.lut = np.full(768, -1, dtype=np.int32)
        self.lut[384:] = -2
        self.chunks: list[np.ndarray] | None = None  # codes, once there are 127 or more texts
        self.text: list[Any] | None = None  # the text itself, once there are very many
        self.known: Any = None  # the longer texts seen, as a pyarrow array (built when needed)
        self.known_ids: np.ndarray = np.zeros(0, dtype=np.int32)

    def add(self, arr: Any) -> np.ndarray | None:
        """The category of each cell of ``arr``; None once the column keeps its text."""
        n = len(arr)
        if arr.null_count:  # not expected: strings_can_be_null is off
            arr = arr.fill_null("")
        if self.text is not None:
            self.text.append(arr)
            return None
        _, off_buf, data_buf = arr.buffers()
        off = np.frombuffer(off_buf, dtype=np.int32, count=n + 1, offset=4 * arr.offset)
        if data_buf is None or data_buf.size == 0:
            first = np.zeros(n, dtype=np.int32)
        else:
            first = np.frombuffer(data_buf, dtype=np.uint8).take(off[:-1], mode="clip")
        key = np.diff(off)  # (length 0, 1 or more) * 256 + first byte
        np.minimum(key, 2, out=key)
        key <<= 8
        key |= first
        got = self.lut.take(key)
        if n and got.min() < 0:
            self._learn(arr, key, got)
        return got

    def _learn(self, arr: Any, key: np.ndarray, got: np.ndarray) -> None:
        """Fill ``got`` where a cell's key alone does not give its category.

        Longer texts are looked up among those seen before (pyarrow's ``index_in``, so a
        column of labels costs no Python per cell); texts not seen before become categories
        in order of first appearance. A small block (a survey of a few hundred rows is one)
        is looked up in Python instead, which spares loading pyarrow's compute functions.
        """
        looked = np.flatnonzero(got == -2)  # longer texts
        if len(arr) <= _SMALL_BLOCK:
            self._learn_small(arr, key, got, looked)
            return
        import pyarrow as pa
        import pyarrow.compute as pc

        if looked.size and self.index:
            if self.known is None:
                known = pa.array(list(self.index), type=pa.string())
                self.known = pc.SetLookupOptions(value_set=known)
                self.known_ids = np.fromiter(self.index.values(), np.int32, len(self.index))
                self.known_ids = np.append(self.known_ids, -1)  # position -1: not seen
            at = pc.call_function("index_in", [arr], self.known).fill_null(-1)
            got[looked] = self.known_ids[at.to_numpy(zero_copy_only=False)[looked]]
        unseen = np.flatnonzero(got < 0)
        if not unseen.size:
            return
        long = key[unseen] >= 384  # texts, not empty or one-character cells
        fresh, texts = unseen[~long], unseen[long]
        new: list[tuple[int, str, int | None]] = []  # (first row, text, key or None)
        if fresh.size:
            fresh_keys = key[fresh]
            fresh_keys[fresh_keys < 256] = 0  # an empty cell, whatever byte follows it
            keys, first = np.unique(fresh_keys, return_index=True)
            for k, row in zip(keys.tolist(), fresh[first].tolist(), strict=True):
                new.append((row, "" if k < 256 else chr(k - 256), k))
        if texts.size:
            enc = arr.take(pa.array(texts)).dictionary_encode()
            idx = enc.indices.to_numpy(zero_copy_only=False)
            words = enc.dictionary.to_pylist()
            _, first = np.unique(idx, return_index=True)
            new.extend((int(texts[first[w]]), word, None) for w, word in enumerate(words))
        self._record(new)
        if fresh.size:
            got[fresh] = self.lut.take(key[fresh])
        if texts.size:
            got[texts] = np.array([self.index[w] for w in words], dtype=np.int32)[idx]

    def _learn_small(self, arr: Any, key: np.ndarray, got: np.ndarray, looked: np.ndarray) -> None:
        """``_learn`` for a small block, with the cells' text as Python strings."""
        cells: list[str] | None = None
        if looked.size and self.index:
            cells = arr.to_pylist()
            got[looked] = [self.index.get(cells[i], -1) for i in looked.tolist()]
        unseen = np.flatnonzero(got < 0)
        if not unseen.size:
            return
        new: list[tuple[int, str, int | None]] = []  # (first row, text, key or None)
        seen: set[int | str] = set()
        texts: list[int] = []
        for row in unseen.tolist():
            k = int(key[row])
            if k >= 384:  # a text, not an empty or one-character cell
                if cells is None:
                    cells = arr.to_pylist()
                texts.append(row)
                if cells[row] not in seen:
                    seen.add(cells[row])
                    new.append((row, cells[row], None))
                continue
            k = 0 if k < 256 else k  # an empty cell, whatever byte follows it
            if k not in seen:
                seen.add(k)
                new.append((row, "" if k < 256 else chr(k - 256), k))
        self._record(new)
        fresh = np.setdiff1d(unseen, np.asarray(texts, dtype=unseen.dtype), assume_unique=True)
        if fresh.size:
            got[fresh] = self.lut.take(key[fresh])
        if texts and cells is not None:
            got[texts] = [self.index[cells[i]] for i in texts]

    def _record(self, new: list[tuple[int, str, int | None]]) -> None:
        """Number new categories in order of first appearance: (first row, text, key or None
        for a text looked up by value)."""
        for _, text, k in sorted(new, key=lambda t: t[0]):
            self.values.append(text)
            if k is None:
                self.index[text] = len(self.values) - 1
                self.known = None
            elif k < 256:
                self.lut[:256] = len(self.values) - 1
            else:
                self.lut[k] = len(self.values) - 1

    def keep_text(self) -> None:
        """Turn the codes so far back into text: this column is encoded once, at the end."""
        import pyarrow as pa

        values = pa.array(self.values, type=pa.string())
        self.text = [values.take(pa.array(c)) for c in self.chunks or []]
        self.chunks, self.values, self.index, self.known = None, [], {}, None

    def categories(self) -> np.ndarray:
        values = np.empty(len(self.values), dtype=object)
        values[:] = self.values
        return values

    def finish(self) -> tuple[np.ndarray | None, Any]:
        """The codes of all rows and the categories (Python strings, object array); for a
        column that kept its text, None and the text of each row (an Arrow array)."""
        import pyarrow as pa

        if self.text is not None:
            whole = pa.concat_arrays(self.text) if self.text else pa.array([], pa.string())
            self.text = []
            return None, whole
        codes = np.concatenate(self.chunks) if self.chunks else np.zeros(0, dtype=np.int8)
        self.chunks = []
        return codes, self.categories()

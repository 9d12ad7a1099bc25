"""The sunshine ledger (阳光台账): an append-only, tamper-evident log of every
movement of relief material, with balances and a trace.

The rules live in C++ (``include/crisiskit/ledger/``); this module gives them
a Python API with DataFrames. Proofs are RFC 6962 / RFC 9162 Merkle proofs
that anyone can check with :func:`verify_inclusion` and
:func:`verify_consistency`, knowing only a published root and size.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _core
from ._errors import invalid
from ._frames import _times
from ._time import NO_TIME, to_seconds, to_seconds_array

__all__ = [
    "LEDGER_KINDS",
    "Ledger",
    "LedgerVerification",
    "leaf_hash",
    "merkle_root",
    "verify_consistency",
    "verify_inclusion",
]

#: Movement kinds → (Chinese name, effect on balances).
LEDGER_KINDS: Mapping[str, tuple] = {
    "DONATION": ("捐赠入库", "to += q"),
    "PURCHASE": ("采购入库", "to += q"),
    "AGREEMENT_STOCK": ("协议储备", "to += q"),
    "MOVE": ("调拨", "from -= q, to += q"),
    "HAND_OUT": ("发放", "from -= q, to += q"),
    "RETURN": ("退回", "from -= q, to += q"),
    "WRITE_OFF": ("报损核销", "from -= q"),
}

_TEXT = ("unit", "from", "to", "actor", "need", "claim", "note")
_COLUMNS = ("seq", "time", "kind", "item", "quantity", "unit", "from", "to", "actor", "need", "claim", "note")
Bytesish = Union[bytes, bytearray, memoryview, str]


def _hash_bytes(value: Any, field: str, index: Optional[int] = None) -> bytes:
    """32 bytes from bytes or 64 hex digits."""
    if isinstance(value, str):
        try:
            value = bytes.fromhex(value)
        except ValueError:
            raise invalid(field, index, value, "expected 32 bytes or 64 hex digits") from None
    if isinstance(value, (bytearray, memoryview)):
        value = bytes(value)
    if not isinstance(value, bytes) or len(value) != 32:
        raise invalid(field, index, value, "expected 32 bytes or 64 hex digits (a SHA-256 or SM3 hash)")
    return value


def _proof(proof: Any, field: str = "proof") -> List[bytes]:
    if isinstance(proof, (bytes, str)):
        raise invalid(field, None, proof, "expected a list of 32-byte hashes")
    return [_hash_bytes(p, field, i) for i, p in enumerate(proof)]


def _kind_codes(values: Any) -> np.ndarray:
    """Kind names → int8 codes, parsing each distinct name once (errors name its first row)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    lut = np.empty(len(uniques), dtype=np.int8)
    for j, name in enumerate(uniques):
        row = int(np.argmax(codes == j))
        if not isinstance(name, str):
            raise invalid("kind", row, name, "expected a kind name (str)")
        lut[j] = _core._LedgerCore._kind_code(name, row)
    if (codes < 0).any():
        row = int(np.argmax(codes < 0))
        raise invalid("kind", row, None, "a kind is required")
    return lut[codes] if len(codes) else np.empty(0, dtype=np.int8)


def _quantities(values: Any, field: str = "quantity") -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind == "b":
        raise invalid(field, 0, arr[0] if arr.size else arr, "a quantity must be a number, not a bool")
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    out = np.empty(arr.shape[0], dtype=np.int64)
    for i, v in enumerate(arr.tolist()):
        if isinstance(v, bool) or v is None:
            raise invalid(field, i, v, "a quantity must be a whole number of units")
        if isinstance(v, int):
            if not -(2**63) <= v < 2**63:
                raise invalid(field, i, v, "must be a whole number of units in 1 … 2^53")
            out[i] = v
            continue
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise invalid(field, i, v, "a quantity must be a whole number of units") from None
        if not np.isfinite(x) or x != np.floor(x) or abs(x) > 2.0**62:
            raise invalid(field, i, v, "a quantity must be a whole number of units (finite, no fraction)")
        out[i] = int(x)
    return out


@dataclasses.dataclass(frozen=True)
class LedgerVerification:
    """The outcome of :meth:`Ledger.verify`; true when everything checked out.

    Attributes
    ----------
    ok : bool
        Every hash, commit record, the accounting and (if given) the trusted root check out.
    size : int
        Entries checked.
    first_bad : int or None
        Index (seq) of the first entry that does not check out.
    problem : str
        What is wrong (empty when ok).
    root : bytes
        The recomputed root of the ``size`` entries.
    """

    ok: bool
    size: int
    first_bad: Optional[int]
    problem: str
    root: bytes

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        if self.ok:
            return f"LedgerVerification(ok, {self.size} entries, root={self.root.hex()[:16]}…)"
        return f"LedgerVerification(FAILED at entry {self.first_bad}: {self.problem})"


class Ledger:
    """The sunshine ledger (阳光台账): every receipt, move, hand-out, return and
    write-off of relief material, tamper-evident and durable.

    Parameters
    ----------
    path : str or path-like, optional
        The ledger file. Missing: created. Existing: opened (a torn tail left
        by a crash is cut off and reported in :attr:`recovery`). ``None``
        (default): an in-memory ledger, for analysts.
    hash : {"sha256", "sm3"}, optional
        The Merkle hash for a new ledger (default ``"sha256"``; ``"sm3"`` for
        deployments that require Chinese cryptography, GB/T 32905). For an
        existing file the file's algorithm is used; naming a different one
        raises ``ValueError``.
    read_only : bool, default False
        Open an existing file for auditing only: never modified, and other
        processes may keep writing it.

    Notes
    -----
    **Entries.** Each row is one movement: ``kind`` (see :data:`LEDGER_KINDS`:
    DONATION, PURCHASE, AGREEMENT_STOCK receive into ``to``; MOVE, HAND_OUT
    and RETURN take from ``from`` and give to ``to``; WRITE_OFF takes from
    ``from``), ``item``, ``quantity`` (whole units, 1 … 2**53), ``unit``
    (fixed per item by its first entry), ``time`` (UTC; int seconds,
    datetime64, aware datetimes or ISO text with an offset; never before the
    previous entry's time), and text columns ``from``, ``to``, ``actor``,
    ``need`` and ``claim`` (ids from :class:`NeedBoard`) and ``note``. The
    ledger numbers entries (``seq``, from 0).

    **Commit.** :meth:`append` and :meth:`append_many` stage entries;
    :meth:`commit` writes them with a commit record (size and root) in one
    write, fdatasyncs, and only then makes them visible: what a commit
    returned is on disk. On reopening, a last batch that is not whole (a
    crash during its commit) is cut off and reported in :attr:`recovery`;
    damage to earlier batches opens the ledger read-only and
    :meth:`verify` names the first bad entry. A debit that would take a balance below zero, a
    wrong unit, or time going backwards raises ``ValueError``
    (:class:`crisiskit.InvalidInput`, naming field, row and value) and stages
    nothing — a batch is all or nothing, and the file is untouched.

    **Tamper evidence.** Each entry's canonical bytes (documented byte by
    byte in the README) are a leaf of an RFC 6962 Merkle tree. Publish
    :meth:`root` and ``len(ledger)``; anyone can check an entry with
    :meth:`inclusion_proof` and :func:`verify_inclusion`, and that the log
    only grew with :meth:`consistency_proof` and :func:`verify_consistency`.
    :meth:`verify` recomputes everything and names the first bad entry.

    **Threads.** One writer and many readers may share a ledger; the GIL is
    released around hashing, commits and verification.

    **Pickling.** An in-memory ledger pickles its committed entries (the
    bytes of :meth:`to_image`). A file-backed ledger pickles its path;
    unpickling opens the file *read-only* (an auditor's view of what is
    committed then), because only one process may write it. Staged
    (uncommitted) entries are never pickled.

    Examples
    --------
    >>> led = ck.Ledger()                     # in memory; Ledger("relief.ckl") for a file
    >>> led.append("DONATION", "drinking_water", 500, unit="bottle", from_="Red Cross",
    ...            to="warehouse-A", time="2026-07-20T08:00:00+08:00", need="need-1")
    0
    >>> led.append("HAND_OUT", "drinking_water", 200, unit="bottle", from_="warehouse-A",
    ...            to="community-X", time="2026-07-20T10:00:00+08:00", need="need-1")
    1
    >>> led.commit()
    2
    >>> led.balance("warehouse-A", "drinking_water")
    300
    """

    def __init__(self, path: Union[str, "os.PathLike[str]", None] = None, *, hash: Optional[str] = None,
                 read_only: bool = False) -> None:
        if path is None:
            if read_only:
                raise invalid("read_only", None, read_only, "an in-memory ledger cannot be read-only")
            self._core = _core._LedgerCore(hash or "sha256")
            return
        p = os.fspath(path)
        if os.path.exists(p):
            self._core = _core._LedgerCore._open(p, read_only)
            if hash is not None and _canonical_hash(hash) != self._core.hash:
                raise invalid("hash", None, hash, f"the ledger file '{p}' uses {self._core.hash}")
        else:
            if read_only:
                raise invalid("path", None, p, "no such ledger file to open read-only")
            self._core = _core._LedgerCore._create(p, hash or "sha256")

    @classmethod
    def from_image(cls, image: bytes) -> "Ledger":
        """An in-memory ledger from the bytes of a ledger file (or :meth:`to_image`).

        Parameters
        ----------
        image : bytes
            A ledger file's content. A torn tail is dropped and damage is
            reported in :attr:`recovery`, as when opening a file.

        Returns
        -------
        Ledger

        Raises
        ------
        ValueError
            If the bytes do not start with a ledger header.
        """
        obj = cls.__new__(cls)
        obj._core = _core._LedgerCore._from_image(bytes(image))
        return obj

    # ---- writing -----------------------------------------------------------------

    def append(self, kind: str, item: str, quantity: Union[int, float], *, time: Any, from_: str = "",
               to: str = "", unit: str = "", actor: str = "", need: str = "", claim: str = "",
               note: str = "") -> int:
        """Stage one movement; returns its ``seq``. Visible after :meth:`commit`.

        Parameters
        ----------
        kind : str
            DONATION, PURCHASE, AGREEMENT_STOCK, MOVE, HAND_OUT, RETURN,
            WRITE_OFF (any case) or the Chinese names of :data:`LEDGER_KINDS`.
        item : str
            What moved.
        quantity : int or whole float
            How many ``unit``, 1 … 2**53.
        time : int, datetime64, aware datetime or ISO text with offset
            When (UTC inside).
        from_, to : str
            The parties (see the class notes for which kinds need which).
        unit, actor, need, claim, note : str
            Unit label, who recorded it, the need/claim it serves, free text.

        Returns
        -------
        int
            The entry's seq.

        Raises
        ------
        ValueError
            Bad field, unit mismatch, time before the previous entry, or a
            debit beyond the balance; nothing is staged.
        """
        if not isinstance(kind, str):
            raise invalid("kind", None, kind, "expected a kind name (str)")
        code = np.array([_core._LedgerCore._kind_code(kind, None)], dtype=np.int8)
        t = np.array([to_seconds(time, "time")], dtype=np.int64)
        return int(self._core._append_columns(code, [item], _quantities([quantity]), t, [unit], [from_], [to],
                                              [actor], [need], [claim], [note], False))

    def append_many(self, rows: Any, *, time: Any = None) -> range:
        """Stage many movements, all or nothing; returns their seqs.

        Parameters
        ----------
        rows : DataFrame, mapping of columns, or sequence of dicts
            Columns ``kind``, ``item``, ``quantity``, ``time`` (unless the
            ``time`` argument is given) and optionally ``unit``, ``from`` (or
            ``from_``), ``to``, ``actor``, ``need``, ``claim``, ``note``.
            Missing cells (None, NaN) in text columns are empty.
        time : optional
            One time for every row.

        Returns
        -------
        range
            The seqs of the staged rows.

        Raises
        ------
        ValueError
            Naming the column, the row (position in ``rows``) and the value;
            nothing is staged.
        """
        if isinstance(rows, pd.DataFrame):
            data: Mapping[str, Any] = {c: rows[c] for c in rows.columns}
            n = len(rows)
        elif isinstance(rows, Mapping):
            data = rows
            n = len(next(iter(rows.values()))) if rows else 0
        else:
            recs = list(rows)
            n = len(recs)
            keys = {k for r in recs for k in r}
            data = {k: [r.get(k) for r in recs] for k in keys}
        if n == 0:
            nxt = len(self) + self.pending
            return range(nxt, nxt)
        if "from_" in data and "from" not in data:
            data = dict(data)
            data["from"] = data.pop("from_")
        for c in ("kind", "item", "quantity"):
            if c not in data:
                raise invalid("rows", None, sorted(data), f"missing column '{c}'")
        if time is not None:
            times = np.full(n, to_seconds(time, "time"), dtype=np.int64)
        elif "time" in data:
            times = to_seconds_array(data["time"], "time")
        else:
            raise invalid("rows", None, sorted(data), "missing column 'time' (or pass time=)")

        def text(c: str) -> Any:
            if c not in data:
                return [""] * n
            col = data[c]
            return col.tolist() if hasattr(col, "tolist") else list(col)

        first = self._core._append_columns(_kind_codes(data["kind"]), text("item"), _quantities(data["quantity"]),
                                           times, text("unit"), text("from"), text("to"), text("actor"),
                                           text("need"), text("claim"), text("note"), True)
        return range(int(first), int(first) + n)

    def commit(self) -> int:
        """Write the staged entries durably (one write, one fdatasync) and publish them; returns the size."""
        return int(self._core.commit())

    def rollback(self) -> None:
        """Drop the staged entries."""
        self._core.rollback()

    @property
    def pending(self) -> int:
        """Number of staged, uncommitted entries."""
        return int(self._core.pending)

    # ---- reading -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._core)

    @property
    def size(self) -> int:
        """Number of committed entries."""
        return len(self._core)

    @property
    def hash(self) -> str:
        """The Merkle hash: ``"sha256"`` or ``"sm3"``."""
        return str(self._core.hash)

    @property
    def path(self) -> Optional[str]:
        """The file, or None in memory."""
        return self._core.path

    @property
    def read_only(self) -> bool:
        """Opened read-only, or damaged."""
        return bool(self._core.read_only)

    @property
    def recovery(self) -> Dict[str, Any]:
        """What opening found: entries, file_bytes, kept_bytes, dropped_bytes,
        dropped_entries (never committed), truncated, damaged, message."""
        return dict(self._core.recovery)

    def root(self, size: Optional[int] = None) -> bytes:
        """The Merkle root (32 bytes) of all committed entries, or of the first ``size``."""
        return self._core._root(size)

    def root_hex(self, size: Optional[int] = None) -> str:
        """:meth:`root` as 64 hex digits."""
        return self.root(size).hex()

    def inclusion_proof(self, index: int, size: Optional[int] = None) -> List[bytes]:
        """RFC 6962 audit path of entry ``index`` in the tree of ``size`` entries (default: all).

        Check it with :func:`verify_inclusion` against :meth:`root` of that size.
        """
        return list(self._core._inclusion_proof(index, size))

    def consistency_proof(self, old_size: int, new_size: Optional[int] = None) -> List[bytes]:
        """RFC 6962 consistency proof that the first ``old_size`` entries are a prefix of the first ``new_size``.

        Check it with :func:`verify_consistency`.
        """
        return list(self._core._consistency_proof(old_size, new_size))

    def leaf_hash(self, index: int) -> bytes:
        """The Merkle leaf hash of entry ``index``: HASH(0x00 ‖ entry bytes)."""
        return self._core.leaf_hash(index)

    def entry_bytes(self, index: int) -> bytes:
        """The canonical bytes of entry ``index`` (see the README for the layout)."""
        return self._core.entry_bytes(index)

    def entry(self, index: int) -> Dict[str, Any]:
        """Entry ``index`` as a dict (time as a UTC ``pandas.Timestamp``)."""
        n = len(self)
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < n:
            raise invalid("index", None, index, f"the ledger has {n} entries")
        row = self.to_frame(int(index), int(index) + 1).reset_index().iloc[0]
        return {str(k): v.item() if isinstance(v, np.generic) else v for k, v in row.items()}

    def to_frame(self, start: int = 0, end: Optional[int] = None) -> pd.DataFrame:
        """Committed entries ``[start, end)`` as a DataFrame indexed by ``seq``.

        Columns: time (UTC), kind, item, quantity, unit, from, to, actor, need, claim, note.
        """
        cols = self._core._columns(int(start), len(self) if end is None else int(end))
        cols["time"] = _times(cols["time"])
        return pd.DataFrame(cols, columns=list(_COLUMNS)).set_index("seq")

    def balances(self) -> pd.DataFrame:
        """Every account that ever moved: holder, item, quantity (held now), unit, credited, debited."""
        return pd.DataFrame(self._core._balances(), columns=["holder", "item", "quantity", "unit", "credited", "debited"])

    def balance(self, holder: str, item: str) -> int:
        """What ``holder`` holds of ``item`` now (0 if never)."""
        return int(self._core.balance(holder, item))

    def trace(self, need: Optional[str] = None, *, claim: Optional[str] = None, to: Optional[str] = None,
              from_: Optional[str] = None, item: Optional[str] = None, start: Any = None, end: Any = None,
              follow: bool = True) -> pd.DataFrame:
        """Where did the goods go? Entries matching every given filter, and
        (``follow=True``) the movements that carried the same item onward from
        where they put it, transitively.

        Parameters
        ----------
        need, claim : str, optional
            Entries serving this need / claim. Followed movements must serve
            the same need/claim or none.
        to, from_ : str, optional
            Entries going to / coming from this party (e.g. ``to="community-X"``).
        item : str, optional
            Entries of this item.
        start, end : time, optional
            Time window (inclusive).
        follow : bool, default True
            Also follow the goods onward. Goods are fungible: a followed row
            says where the item went next from that holder, not which unit.

        Returns
        -------
        DataFrame
            The columns of :meth:`to_frame` plus ``hop`` (0: matched; k:
            reached by following k movements) and ``via`` (seq of the entry
            that brought the item to ``from``, -1 for matched rows), indexed
            by seq, in time order.
        """
        s = NO_TIME if start is None else to_seconds(start, "start")
        e = NO_TIME if end is None else to_seconds(end, "end")
        for name, v in (("need", need), ("claim", claim), ("to", to), ("from", from_), ("item", item)):
            if v is not None and not isinstance(v, str):
                raise invalid(name, None, v, "expected text (str)")
        cols = self._core._trace(need or "", claim or "", to or "", from_ or "", item or "", s, e, bool(follow))
        cols["time"] = _times(cols["time"])
        return pd.DataFrame(cols, columns=list(_COLUMNS) + ["hop", "via"]).set_index("seq")

    def verify(self, trusted_size: Optional[int] = None, trusted_root: Optional[Bytesish] = None) -> LedgerVerification:
        """Recompute everything and name the first entry that does not check out.

        Re-reads the file (so tampering after opening is found), recomputes
        every leaf hash, every commit record's root and the tree, checks the
        seq order and replays the accounting from zero.

        Parameters
        ----------
        trusted_size, trusted_root : int and bytes/hex, optional
            A root published earlier: also check that the first
            ``trusted_size`` entries still have it (catches a log rewritten
            with every hash recomputed).

        Returns
        -------
        LedgerVerification
            Truthy when everything checks out.
        """
        root = None if trusted_root is None else _hash_bytes(trusted_root, "trusted_root")
        d = self._core._verify(trusted_size, root)
        return LedgerVerification(bool(d["ok"]), int(d["size"]), d["first_bad"], str(d["problem"]), bytes(d["root"]))

    def to_image(self) -> bytes:
        """The bytes of a ledger file with the committed entries (readable by :meth:`from_image`)."""
        return self._core.to_image()

    # ---- Python protocol -------------------------------------------------------------

    def __repr__(self) -> str:
        where = f"'{self.path}'" if self.path else "in memory"
        flags = ", read-only" if self.read_only else ""
        pend = f", {self.pending} pending" if self.pending else ""
        return f"Ledger({where}, {len(self)} entries{pend}, {self.hash}, root={self.root_hex()[:16]}…{flags})"

    def __reduce__(self) -> Any:
        if self.path is None:
            return (Ledger.from_image, (self.to_image(),))
        return (_reopen_read_only, (self.path,))


def _reopen_read_only(path: str) -> Ledger:
    """Unpickle a file-backed ledger: the file opened read-only (only one process writes it)."""
    return Ledger(path, read_only=True)


def _canonical_hash(hash: str) -> str:
    h = str(hash).lower().replace("-", "").replace("_", "")
    if h not in ("sha256", "sm3"):
        raise invalid("hash", None, hash, "expected 'sha256' or 'sm3'")
    return h


def merkle_root(leaves: Sequence[bytes], hash: str = "sha256") -> bytes:
    """RFC 6962 Merkle tree hash (MTH) of raw byte strings.

    Parameters
    ----------
    leaves : sequence of bytes
        The data of each leaf (hashed as HASH(0x00 ‖ d)).
    hash : {"sha256", "sm3"}

    Returns
    -------
    bytes
        32 bytes; the empty list gives HASH() of nothing.
    """
    data = []
    for i, d in enumerate(leaves):
        if not isinstance(d, (bytes, bytearray, memoryview)):
            raise invalid("leaves", i, d, "expected bytes")
        data.append(bytes(d))
    return _core._merkle_root(data, _canonical_hash(hash))


def leaf_hash(data: bytes, hash: str = "sha256") -> bytes:
    """RFC 6962 leaf hash HASH(0x00 ‖ data), e.g. of :meth:`Ledger.entry_bytes`."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise invalid("data", None, data, "expected bytes")
    return _core._leaf_hash(bytes(data), _canonical_hash(hash))


def verify_inclusion(index: int, size: int, root: Bytesish, proof: Sequence[Bytesish], *,
                     leaf_hash: Optional[Bytesish] = None, entry: Optional[bytes] = None,
                     hash: str = "sha256") -> bool:
    """Check an RFC 6962 inclusion proof (RFC 9162 §2.1.3.2), without the ledger.

    Parameters
    ----------
    index : int
        The entry's seq (0-based).
    size : int
        The tree size the root is for.
    root : bytes or hex str
        The published root of ``size`` entries.
    proof : list of bytes or hex str
        From :meth:`Ledger.inclusion_proof`.
    leaf_hash : bytes or hex str, optional
        The entry's leaf hash; or give ``entry`` (its canonical bytes) instead.
    entry : bytes, optional
        The entry's canonical bytes (:meth:`Ledger.entry_bytes`).
    hash : {"sha256", "sm3"}

    Returns
    -------
    bool
        True if the proof shows the entry is number ``index`` of that tree.
        Malformed sizes or proofs give False; malformed arguments raise ValueError.
    """
    h = _canonical_hash(hash)
    if (leaf_hash is None) == (entry is None):
        raise invalid("leaf_hash", None, leaf_hash, "give exactly one of leaf_hash and entry")
    lh = _hash_bytes(leaf_hash, "leaf_hash") if entry is None else globals()["leaf_hash"](entry, h)
    return bool(_core._verify_inclusion(index, size, lh, _proof(proof), _hash_bytes(root, "root"), h))


def verify_consistency(old_size: int, new_size: int, old_root: Bytesish, new_root: Bytesish,
                       proof: Sequence[Bytesish], hash: str = "sha256") -> bool:
    """Check an RFC 6962 consistency proof (RFC 9162 §2.1.4.2), without the ledger.

    Parameters
    ----------
    old_size, new_size : int
        The two tree sizes, old ≤ new.
    old_root, new_root : bytes or hex str
        Their published roots.
    proof : list of bytes or hex str
        From :meth:`Ledger.consistency_proof`.
    hash : {"sha256", "sm3"}

    Returns
    -------
    bool
        True if the old tree is a prefix of the new one (the log only grew).
    """
    h = _canonical_hash(hash)
    return bool(_core._verify_consistency(old_size, new_size, _hash_bytes(old_root, "old_root"),
                                          _hash_bytes(new_root, "new_root"), _proof(proof), h))

"""Opinion groups, representative statements and consensus from agree/disagree votes (Polis's math).

The steps follow compdemocracy/polis `math/` (pca.clj, clusters.clj, repness.clj, conversation.clj);
docs/conversation.md gives the method, its parameters and its sources. Votes: +1 agree, -1 disagree,
0 pass ("Ved ikke"); a statement not voted on is missing. Everything is sparse until 2 dimensions, so
100,000 people x 1,000 statements fits in memory (bench/conversation.py).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD

# Participants are included once they voted on min(MIN_VOTES, statements); the most active are added
# when fewer than MIN_PEOPLE qualify (Polis: "at least 7 votes", "greedy 15").
MIN_VOTES = 7
MIN_PEOPLE = 15
BASE_CLUSTERS = 100
K_RANGE = range(2, 6)
# A new number of groups is taken only after winning this many analyses in a row (Polis's k-smoother).
K_RUNS = 4
# One-sided 90 % significance for the two tests of representativeness (Polis's z-sig-90).
Z90 = 1.2816
UNCERTAIN_PASS_SHARE = 0.30
SEED = 0


@dataclass(frozen=True)
class Votes:
    """The vote matrix as triples: row = participant index, col = statement index, value in {-1, 0, 1}."""

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    n_people: int
    n_statements: int


@dataclass(frozen=True)
class KState:
    """What the k-smoother remembers between analyses: the k in use, and a challenger with its wins."""

    k: int | None = None
    challenger: int | None = None
    wins: int = 0


@dataclass(frozen=True)
class Repness:
    statement: int
    direction: str  # "agree" or "disagree"
    pa: float
    pat: float
    ra: float
    rat: float

    @property
    def metric(self) -> float:
        return self.ra * self.rat * self.pa * self.pat


@dataclass
class Analysis:
    included: np.ndarray  # participant indexes in the analysis
    labels: np.ndarray  # their group (0..k-1), aligned with `included`
    k: int
    kstate: KState
    projection: np.ndarray  # (len(included), 2)
    extremity: np.ndarray  # per statement: its distance from the centre in the 2 components
    repness: dict[int, list[Repness]] = field(default_factory=dict)
    consensus: list[tuple[int, float]] = field(default_factory=list)  # (statement, score), best first
    uncertain: list[int] = field(default_factory=list)
    group_counts: np.ndarray | None = None  # (k, statements, 3): agrees, disagrees, votes (passes included)


def _matrices(votes: Votes) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    shape = (votes.n_people, votes.n_statements)
    seen = sparse.csr_matrix((np.ones(len(votes.rows)), (votes.rows, votes.cols)), shape=shape)
    value = sparse.csr_matrix((votes.values.astype(np.float64), (votes.rows, votes.cols)), shape=shape)
    return seen, value


def include(votes_per_person: np.ndarray, n_statements: int) -> np.ndarray:
    """Who is analysed: at least min(7, statements) votes; the most active topped up to 15."""
    need = min(MIN_VOTES, n_statements)
    chosen = np.flatnonzero(votes_per_person >= need)
    if len(chosen) < MIN_PEOPLE:
        active = np.flatnonzero(votes_per_person > 0)
        order = active[np.argsort(-votes_per_person[active], kind="stable")]
        chosen = np.sort(order[:MIN_PEOPLE])
    return chosen


def centred(seen: sparse.csr_matrix, value: sparse.csr_matrix) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Missing votes filled with the statement mean, then centred: what was missing becomes exactly 0, so
    the centred matrix stays sparse; a vote becomes vote - statement mean."""
    counts = np.asarray(seen.sum(axis=0)).ravel()
    means = np.asarray(value.sum(axis=0)).ravel() / np.maximum(counts, 1)
    out = seen.multiply(-means[np.newaxis, :]).tocsr() + value
    # A vote equal to its statement's mean is a real 0; keep the pattern of `seen` regardless.
    return sparse.csr_matrix(out), means


def components(matrix: sparse.csr_matrix) -> np.ndarray:
    """The 2 principal components (rows) of an already centred matrix."""
    n_comp = min(2, max(1, min(matrix.shape) - 1))
    svd = TruncatedSVD(n_components=n_comp, algorithm="randomized", n_iter=7, random_state=SEED)
    with warnings.catch_warnings():
        # Everyone voting alike leaves no variance: the explained-variance ratio is 0/0, the components usable.
        warnings.simplefilter("ignore", RuntimeWarning)
        svd.fit(matrix)
    comps = svd.components_
    if comps.shape[0] < 2:
        comps = np.vstack([comps, np.zeros((2 - comps.shape[0], comps.shape[1]))])
    return comps


def project(matrix: sparse.csr_matrix, seen: sparse.csr_matrix, comps: np.ndarray) -> np.ndarray:
    """Each person from their own votes only, scaled by sqrt(statements / their votes) (Polis's
    sparsity-aware projection), so a person with few votes is not pulled to the centre."""
    n_votes = np.asarray(seen.sum(axis=1)).ravel()
    scale = np.sqrt(matrix.shape[1] / np.maximum(n_votes, 1))
    return np.asarray(matrix @ comps.T) * scale[:, np.newaxis]


def weighted_silhouette(points: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> float:
    """The silhouette of the base clusters, each counted as many times as it has members (a member's
    peers are every other member of its group, the copies of its own base cluster at distance 0 included)."""
    dist = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(-1))
    ks = np.unique(labels)
    if len(ks) < 2:
        return -1.0
    per_group = np.stack([(dist[:, labels == g] * weights[labels == g]).sum(1) for g in ks], axis=1)
    sizes = np.array([weights[labels == g].sum() for g in ks])
    own = np.searchsorted(ks, labels)
    own_size = sizes[own] - 1
    a = np.where(own_size > 0, per_group[np.arange(len(points)), own] / np.maximum(own_size, 1e-12), 0.0)
    other = per_group / sizes[np.newaxis, :]
    other[np.arange(len(points)), own] = np.inf
    b = other.min(axis=1)
    s = np.where(own_size > 0, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float((s * weights).sum() / weights.sum())


def smooth_k(best: int, state: KState) -> KState:
    """Change k only when the new best has won K_RUNS analyses in a row; the first analysis takes it."""
    if state.k is None or best == state.k:
        return KState(best if state.k is None else state.k, None, 0)
    wins = state.wins + 1 if state.challenger == best else 1
    if wins >= K_RUNS:
        return KState(best, None, 0)
    return KState(state.k, best, wins)


def cluster(points: np.ndarray, state: KState) -> tuple[np.ndarray, int, KState]:
    """k-means into up to 100 base clusters, then the base clusters into k = 2..5 groups by silhouette."""
    n_base = min(BASE_CLUSTERS, len(np.unique(points, axis=0)))
    base = KMeans(n_clusters=n_base, n_init=1, random_state=SEED).fit(points)
    centres = base.cluster_centers_
    weights = np.bincount(base.labels_, minlength=n_base).astype(np.float64)
    fits: dict[int, np.ndarray] = {}
    scores: dict[int, float] = {}
    for k in K_RANGE:
        if k > n_base:
            break
        model = KMeans(n_clusters=k, n_init=4, random_state=SEED).fit(centres, sample_weight=weights)
        fits[k] = model.labels_
        scores[k] = weighted_silhouette(centres, model.labels_, weights)
    if not fits:
        return np.zeros(len(points), dtype=int), 1, state
    best = max(scores, key=lambda k: (scores[k], -k))
    state = smooth_k(best, state)
    k = state.k if state.k in fits else best
    return _ordered(fits[k][base.labels_], k), k, state


def _ordered(labels: np.ndarray, k: int) -> np.ndarray:
    """Groups numbered by size, largest first, so "group 1" means the same thing from one run to the next."""
    order = np.argsort(-np.bincount(labels, minlength=k), kind="stable")
    rank = np.empty(k, dtype=int)
    rank[order] = np.arange(k)
    return rank[labels]


def two_prop_test(succ_in: np.ndarray, succ_out: np.ndarray, pop_in: np.ndarray, pop_out: np.ndarray) -> np.ndarray:
    """Polis's two-proportion z-test (repness.clj two-prop-test), each count plus one."""
    s1, s2, n1, n2 = succ_in + 1, succ_out + 1, pop_in + 1, pop_out + 1
    p1, p2 = s1 / n1, s2 / n2
    pi = (s1 + s2) / (n1 + n2)
    denom = np.sqrt(pi * (1 - pi) * (1 / n1 + 1 / n2))
    return np.where(pi >= 1, 0.0, (p1 - p2) / np.where(denom > 0, denom, 1))


def group_counts(labels: np.ndarray, k: int, seen: sparse.csr_matrix, value: sparse.csr_matrix) -> np.ndarray:
    """(k, statements, 3): agrees, disagrees and votes of each group on each statement."""
    member = sparse.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(k, len(labels)))
    agree = (value > 0).astype(np.float64)
    disagree = (value < 0).astype(np.float64)
    return np.stack([np.asarray((member @ m).todense()) for m in (agree, disagree, seen)], axis=2)


def representative(counts: np.ndarray, top: int = 5) -> dict[int, list[Repness]]:
    """Per group, the statements that set it apart: both tests above Z90, ranked by ra*rat*pa*pat."""
    total = counts.sum(axis=0)
    out: dict[int, list[Repness]] = {}
    for g in range(counts.shape[0]):
        ns, ns_out = counts[g, :, 2], total[:, 2] - counts[g, :, 2]
        found: list[Repness] = []
        for idx, direction in ((0, "agree"), (1, "disagree")):
            na, na_out = counts[g, :, idx], total[:, idx] - counts[g, :, idx]
            pa = (na + 1) / (ns + 2)
            pat = 2 * np.sqrt(ns + 1) * ((na + 1) / (ns + 1) - 0.5)
            ra = pa / ((na_out + 1) / (ns_out + 2))
            rat = two_prop_test(na, na_out, ns, ns_out)
            for j in np.flatnonzero((pat > Z90) & (rat > Z90)):
                found.append(Repness(int(j), direction, float(pa[j]), float(pat[j]), float(ra[j]), float(rat[j])))
        best: dict[int, Repness] = {}
        for r in sorted(found, key=lambda r: -r.metric):
            best.setdefault(r.statement, r)
        out[g] = sorted(best.values(), key=lambda r: -r.metric)[:top]
    return out


def consensus(counts: np.ndarray) -> np.ndarray:
    """Group-informed consensus: the product over groups of (agrees + 1) / (votes + 2)."""
    return np.prod((counts[:, :, 0] + 1) / (counts[:, :, 2] + 2), axis=0)


def analyse(votes: Votes, state: KState = KState()) -> Analysis | None:
    """The whole analysis, or None when there are too few people or statements to form groups."""
    seen, value = _matrices(votes)
    per_person = np.asarray(seen.sum(axis=1)).ravel()
    included = include(per_person, votes.n_statements)
    if len(included) < 4 or votes.n_statements < 2:
        return None
    seen_in, value_in = seen[included], value[included]
    matrix, _ = centred(seen_in, value_in)
    comps = components(matrix)
    points = project(matrix, seen_in, comps)
    labels, k, state = cluster(points, state)
    counts = group_counts(labels, k, seen_in, value_in)
    all_counts = counts.sum(axis=0)
    passes = all_counts[:, 2] - all_counts[:, 0] - all_counts[:, 1]
    uncertain = np.flatnonzero((all_counts[:, 2] > 0) & (passes > UNCERTAIN_PASS_SHARE * all_counts[:, 2]))
    score = consensus(counts)
    order = np.argsort(-score, kind="stable")
    return Analysis(included=included, labels=labels, k=k, kstate=state, projection=points,
                    extremity=extremity(comps), repness=representative(counts),
                    consensus=[(int(j), float(score[j])) for j in order], uncertain=[int(j) for j in uncertain],
                    group_counts=counts)


def extremity(comps: np.ndarray) -> np.ndarray:
    """Each statement projected as a person who agreed with it alone (Polis's comment projection): how far
    from the centre it pulls, in the units people are projected in."""
    return np.linalg.norm(comps, axis=0) * math.sqrt(comps.shape[1])

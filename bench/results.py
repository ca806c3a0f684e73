"""One measured load run: counts, throughput and latency percentiles."""

from dataclasses import dataclass, field
from statistics import quantiles


@dataclass
class Result:
    """What a load run measured for one endpoint or flow."""

    name: str
    requests: int  # completed requests (or flows), errors included
    errors: int  # non-2xx answers, timeouts and connection errors
    duration_s: float
    latencies_ms: list[float] = field(default_factory=list, repr=False)  # may be empty when a tool reports percentiles
    p50_ms: float | None = None
    p99_ms: float | None = None
    note: str = ""
    server_cores: float | None = None  # CPU cores the server kept busy meanwhile (bench/cpu.py): saturated or not

    def __post_init__(self) -> None:
        if self.latencies_ms and (self.p50_ms is None or self.p99_ms is None):
            cuts = quantiles(self.latencies_ms, n=100, method="inclusive") if len(self.latencies_ms) > 1 else None
            self.p50_ms = cuts[49] if cuts else self.latencies_ms[0]
            self.p99_ms = cuts[98] if cuts else self.latencies_ms[0]

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary."""
        return {
            "name": self.name,
            "requests": self.requests,
            "errors": self.errors,
            "duration_s": round(self.duration_s, 2),
            "rps": round(self.rps, 1),
            "p50_ms": None if self.p50_ms is None else round(self.p50_ms, 2),
            "p99_ms": None if self.p99_ms is None else round(self.p99_ms, 2),
            "server_busy_cores": None if self.server_cores is None else round(self.server_cores, 2),
            "note": self.note,
        }

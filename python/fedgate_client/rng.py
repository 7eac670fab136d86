"""The portable generator and the data split of the native client (core/base/rng.h,
core/data/partition.cc), so a Python client's share is the one a native client
with the same --clients/--index/--partition-seed would take: no overlap with the
native clients of the same fleet (docs/protocol.md, section 6.1)."""

_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & _MASK32


class Rng:
    """xoshiro128** seeded through splitmix64, as core/base/rng.h."""

    def __init__(self, seed):
        x = seed & _MASK64
        self.state = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & _MASK64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
            z ^= z >> 31
            self.state.append(z >> 32)

    def next_u32(self):
        s = self.state
        result = (_rotl((s[1] * 5) & _MASK32, 7) * 9) & _MASK32
        t = (s[1] << 9) & _MASK32
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 11)
        return result

    def uniform(self, bound):
        """Uniform in [0, bound), Lemire's method without modulo bias."""
        m = self.next_u32() * bound
        low = m & _MASK32
        if low < bound:
            threshold = ((1 << 32) - bound) % bound
            while low < threshold:
                m = self.next_u32() * bound
                low = m & _MASK32
        return m >> 32


def shuffle(values, rng):
    """Fisher-Yates from the back, as the native partition and epoch shuffles."""
    for i in range(len(values), 1, -1):
        j = rng.uniform(i)
        values[i - 1], values[j] = values[j], values[i - 1]


def iid_share(samples, clients, index, seed=1):
    """Rows of client `index` of `clients` under the native `--partition iid`."""
    order = list(range(samples))
    shuffle(order, Rng(seed))
    start = 0
    for c in range(clients):
        size = samples // clients + (1 if c < samples % clients else 0)
        if c == index:
            return order[start:start + size]
        start += size
    raise ValueError(f"index {index} is not below clients {clients}")

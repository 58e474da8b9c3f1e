/* rng.h - the model's random numbers, private to model/: xoshiro256**
 * seeded by splitmix64, so the transformer's initialisation and the
 * trainer's batch sampling draw from one generator definition. */
#ifndef MODEL_RNG_H
#define MODEL_RNG_H

#include <stdint.h>

static inline uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* The next output of xoshiro256** with state s[4]. */
static inline uint64_t xoshiro256(uint64_t *s)
{
    uint64_t out = rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return out;
}

#endif

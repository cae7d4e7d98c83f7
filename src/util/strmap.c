/* strmap.c - string-keyed open-addressing hash map living in an arena. */
#include "util.h"

#include <string.h>

uint64_t pt2c_hash_string(const char *s) {
    /* FNV-1a: small, adequate for names. */
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (uint8_t)*s;
        h *= 1099511628211ull;
    }
    return h;
}

void pt2c_strmap_init(pt2c_strmap *map, pt2c_arena *arena) {
    memset(map, 0, sizeof *map);
    map->arena = arena;
}

static void insert_slot(const char **keys, int64_t *values, size_t cap, const char *key,
                        int64_t value) {
    size_t i = (size_t)pt2c_hash_string(key) & (cap - 1);
    while (keys[i] && strcmp(keys[i], key) != 0)
        i = (i + 1) & (cap - 1);
    keys[i] = key;
    values[i] = value;
}

pt2c_status pt2c_strmap_put(pt2c_strmap *map, const char *key, int64_t value) {
    if ((map->n + 1) * 2 > map->cap) {
        size_t cap = map->cap ? map->cap * 2 : 16;
        const char **keys = PT2C_ARENA_ARRAY(map->arena, const char *, cap);
        int64_t *values = PT2C_ARENA_ARRAY(map->arena, int64_t, cap);
        if (!keys || !values)
            return PT2C_ERR_NOMEM;
        for (size_t i = 0; i < map->cap; i++)
            if (map->keys[i])
                insert_slot(keys, values, cap, map->keys[i], map->values[i]);
        map->keys = keys;
        map->values = values;
        map->cap = cap;
    }
    size_t i = (size_t)pt2c_hash_string(key) & (map->cap - 1);
    while (map->keys[i] && strcmp(map->keys[i], key) != 0)
        i = (i + 1) & (map->cap - 1);
    if (!map->keys[i])
        map->n++;
    map->keys[i] = key;
    map->values[i] = value;
    return PT2C_OK;
}

bool pt2c_strmap_get(const pt2c_strmap *map, const char *key, int64_t *value) {
    if (map->cap == 0)
        return false;
    size_t i = (size_t)pt2c_hash_string(key) & (map->cap - 1);
    while (map->keys[i]) {
        if (strcmp(map->keys[i], key) == 0) {
            if (value)
                *value = map->values[i];
            return true;
        }
        i = (i + 1) & (map->cap - 1);
    }
    return false;
}

/* dtype.c - facts about each pt2c_dtype, expanded from PT2C_FORALL_DTYPES. */
#include "pt2c.h"

#include <stddef.h>

typedef struct dtype_info {
    int value;
    size_t size;
    const char *abbr;
    const char *torch_name;
    const char *npy_descr;
} dtype_info;

static const dtype_info dtype_table[] = {
#define PT2C_DTYPE_ROW(name, value, bytes, abbr, torch_name, npy)                                  \
    {value, bytes, abbr, torch_name, npy},
    PT2C_FORALL_DTYPES(PT2C_DTYPE_ROW)
#undef PT2C_DTYPE_ROW
};

static const dtype_info *find(int value) {
    for (size_t i = 0; i < sizeof dtype_table / sizeof dtype_table[0]; i++)
        if (dtype_table[i].value == value)
            return &dtype_table[i];
    return NULL;
}

int pt2c_dtype_valid(int value) { return find(value) != NULL; }

size_t pt2c_dtype_size(pt2c_dtype dtype) {
    const dtype_info *d = find((int)dtype);
    return d ? d->size : 0;
}

const char *pt2c_dtype_abbr(pt2c_dtype dtype) {
    const dtype_info *d = find((int)dtype);
    return d ? d->abbr : "?";
}

const char *pt2c_dtype_name(pt2c_dtype dtype) {
    const dtype_info *d = find((int)dtype);
    return d ? d->torch_name : "torch.unknown";
}

const char *pt2c_dtype_npy_descr(pt2c_dtype dtype) {
    const dtype_info *d = find((int)dtype);
    return d ? d->npy_descr : NULL;
}

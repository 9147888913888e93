/* memtrack — counted allocation with a cap, and the process-level memory readings. */
#include "memtrack.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

int mem_charge(mem_account *acc, size_t bytes)
{
    if (acc->cap && (bytes > acc->cap || acc->current > acc->cap - bytes)) {
        acc->refused = 1;
        return -1;
    }
    acc->current += bytes;
    if (acc->current > acc->peak)
        acc->peak = acc->current;
    return 0;
}

void mem_release(mem_account *acc, size_t bytes)
{
    acc->current = bytes > acc->current ? 0 : acc->current - bytes;
}

void *mem_alloc(mem_account *acc, size_t bytes)
{
    if (mem_charge(acc, bytes) != 0)
        return NULL;
    void *ptr = malloc(bytes ? bytes : 1);
    if (!ptr)
        mem_release(acc, bytes);
    return ptr;
}

void *mem_calloc(mem_account *acc, size_t count, size_t size)
{
    if (size && count > (size_t)-1 / size) {
        acc->refused = 1;
        return NULL;
    }
    void *ptr = mem_alloc(acc, count * size);
    if (ptr)
        memset(ptr, 0, count * size);
    return ptr;
}

void *mem_grow(mem_account *acc, void *arr, size_t size, long used, long *cap, long first_cap)
{
    if (used < *cap)
        return arr;
    const long grown = *cap ? 2 * *cap : first_cap;
    if (size && (size_t)grown > (size_t)-1 / size) {
        acc->refused = 1;
        return NULL;
    }
    void *copy = mem_alloc(acc, size * (size_t)grown);
    if (!copy)
        return NULL;
    if (used)
        memcpy(copy, arr, size * (size_t)used);
    mem_free(acc, arr, size * (size_t)*cap);
    *cap = grown;
    return copy;
}

void mem_free(mem_account *acc, void *ptr, size_t bytes)
{
    if (!ptr)
        return;
    free(ptr);
    mem_release(acc, bytes);
}

size_t mem_heap_in_use(void)
{
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

size_t mem_peak_rss(void)
{
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0)
        return 0;
    return (size_t)usage.ru_maxrss * 1024u;
}

/* fuzz_input — what the file-reading fuzz targets share: the fuzzer's bytes written to a
 * private temporary file, whose path the reader under test then opens like a user's file. */
#ifndef ODEGRAD_FUZZ_INPUT_H
#define ODEGRAD_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The path of a file now holding data[0..size), created once per process (suffix names the
 * file type, e.g. ".spec"), or NULL if it cannot be written. */
static const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix)
{
    static char path[256];
    if (!path[0]) {
        const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(path, sizeof path, "%s/odegrad-fuzz-%ld%s", dir, (long)getpid(), suffix);
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return NULL;
    int bad = size && fwrite(data, 1, size, f) != size;
    bad |= fclose(f) != 0;
    return bad ? NULL : path;
}

#endif

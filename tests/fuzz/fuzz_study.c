/* fuzz_study — the study CSV reader (store_read: header, CSV fields and quoting, the
 * per-case check rows, duplicate cases) and the CSV splitter on arbitrary bytes. */
#include "fuzz_input.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, ".csv");
    char err[1024];
    if (!path)
        return 0;
    store_rows rows;
    if (store_read(path, &rows, err, sizeof err) == 0)
        store_rows_free(&rows);
    /* the splitter alone, on the bytes as one line */
    char *line = malloc(size + 1), *fields[8];
    if (line) {
        memcpy(line, data, size);
        line[size] = '\0';
        (void)store_split_csv(line, fields, 8);
        free(line);
    }
    return 0;
}

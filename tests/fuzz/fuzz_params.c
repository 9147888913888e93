/* fuzz_params — the θ and option parsers on arbitrary text: numbers, whole numbers, lists,
 * key=value, byte counts, tolerances, θ against a model's bounds and a backend option through
 * method_check (every backend in turn, chosen by the first byte). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "registry.h"
#include "request.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static model *m;
    char err[512];
    if (!m && !(m = model_create("freefall", err, sizeof err)))
        return 0;
    if (size < 1)
        return 0;
    int nbackends = 0;
    while (method_types[nbackends])
        nbackends++;
    const method_type *type = method_types[data[0] % nbackends];
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    double v;
    long l;
    size_t bytes;
    if (parse_double(text, "x", &v, err, sizeof err) == 0)
        (void)validate_tolerance(v, "--rtol", err, sizeof err);
    (void)parse_positive(text, "x", &v, err, sizeof err);
    (void)parse_long(text, "x", -5, 1000000000L, &l, err, sizeof err);
    (void)request_parse_bytes(text, "--mem-cap", &bytes, err, sizeof err);
    double *values = NULL;
    int count = 0;
    if (parse_vector(text, "--theta", &values, &count, err, sizeof err) == 0) {
        if (count == m->np)
            (void)validate_theta(m, values, (int)(data[0] & 1), err, sizeof err);
        free(values);
    }
    char *key = NULL;
    const char *value = NULL;
    if (parse_key_value(text, "--opt", &key, &value, err, sizeof err) == 0) {
        cli_request rq;
        request_init(&rq, (method_want)(data[0] % 3));
        rq.type = type;
        if (request_set_option(&rq, key, value, err, sizeof err) == 0)
            (void)method_check(type, m, &rq.opts, err, sizeof err);
        request_close(&rq);
        free(key);
    }
    free(text);
    return 0;
}

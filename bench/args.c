/* args — scanning `--name value` options against tables, and --help from the same tables. */
#include "args.h"

#include <string.h>

static const args_opt *find_opt(const args_opt *const *tables, const char *name, size_t len)
{
    for (int t = 0; tables[t]; t++)
        for (const args_opt *o = tables[t]; o->name; o++)
            if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
                return o;
    return NULL;
}

int args_scan(const args_opt *const *tables, int max_positional, int argc, char **argv,
              int first, args_list *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    for (int i = first; i < argc; i++) {
        const char *word = argv[i];
        if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0) {
            out->help = 1;
            continue;
        }
        if (strncmp(word, "--", 2) != 0 || word[2] == '\0') {
            if (word[0] == '-' && word[1] != '\0') {
                snprintf(err, errlen, "unknown option '%s' (options are written --name; see --help)", word);
                return -1;
            }
            if (out->npositional >= max_positional) {
                snprintf(err, errlen, "unexpected argument '%s' (see --help)", word);
                return -1;
            }
            out->positional[out->npositional++] = word;
            continue;
        }
        const char *name = word + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const args_opt *o = find_opt(tables, name, len);
        if (!o) {
            snprintf(err, errlen, "unknown option '--%.*s' (see --help for the options)", (int)len, name);
            return -1;
        }
        const char *value = "";
        if (o->metavar) {
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else {
                snprintf(err, errlen, "option --%s needs a value (--%s %s)", o->name, o->name, o->metavar);
                return -1;
            }
        } else if (eq) {
            snprintf(err, errlen, "option --%s takes no value", o->name);
            return -1;
        }
        if (!o->repeatable && args_has(out, o->name)) {
            snprintf(err, errlen, "option --%s is given twice; give it once", o->name);
            return -1;
        }
        if (out->n >= ARGS_MAX) {
            snprintf(err, errlen, "too many options (at most %d)", ARGS_MAX);
            return -1;
        }
        out->item[out->n].opt = o;
        out->item[out->n].value = value;
        out->n++;
    }
    return 0;
}

const char *args_get(const args_list *a, const char *name)
{
    const char *value = NULL;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->item[i].opt->name, name) == 0)
            value = a->item[i].value;
    return value;
}

int args_has(const args_list *a, const char *name)
{
    return args_get(a, name) != NULL;
}

void args_help(FILE *f, const char *usage, const char *about, const args_opt *const *tables)
{
    fprintf(f, "usage: %s\n\n%s\n\noptions:\n", usage, about);
    for (int t = 0; tables[t]; t++)
        for (const args_opt *o = tables[t]; o->name; o++) {
            char left[48];
            snprintf(left, sizeof left, "--%s%s%s", o->name, o->metavar ? " " : "",
                     o->metavar ? o->metavar : "");
            fprintf(f, "  %-24s %s%s\n", left, o->help, o->repeatable ? " (repeatable)" : "");
        }
    fprintf(f, "  %-24s %s\n", "--help", "this text");
}

/* cmd.h - the spec of an external tokenizer program, `cmd:[NAME=]COMMAND`.
 *
 * The part after "cmd:" is read as follows, first match wins:
 *   =COMMAND       no name; COMMAND is everything after the '=' (the way to
 *                  write a command that itself starts with WORD=..., e.g.
 *                  cmd:=http_proxy=x ./prog); rows carry the whole spec
 *   NAME=COMMAND   a name: NAME is 1..CMD_NAME_MAX bytes of [a-z0-9._-]
 *                  starting with [a-z0-9] (lower case only, so an upper-case
 *                  shell assignment such as cmd:LC_ALL=C ./prog stays a
 *                  command); rows carry "cmd:NAME", so the same program
 *                  reached by different paths gives the same rows. An empty
 *                  COMMAND after a name is an error (tokenizer_new)
 *   COMMAND        no name; rows carry the whole spec ("cmd:./prog --ids")
 * The command is run with /bin/sh -c COMMAND (tokenizers/cmd.c). */
#ifndef CMD_H
#define CMD_H

#include <stddef.h>

#define CMD_NAME_MAX 64

/* Splits arg (the spec after "cmd:") into its name (name[0..*name_len),
 * not NUL-terminated, pointing into arg; *name_len 0 without one) and
 * *command (the rest of arg, "" when arg is ""). */
void cmd_spec_split(const char *arg, const char **name, size_t *name_len, const char **command);

#endif

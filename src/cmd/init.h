/* init.h - the plan templates `cutover init` writes (build/gen/templates.c,
 * generated from the templates/ directory by scripts/embed.sh). */
#ifndef CUTOVER_CMD_INIT_H
#define CUTOVER_CMD_INIT_H

struct init_template {
	const char	*name;
	const char	*text;
};

/* Terminated by { NULL, NULL }. */
extern const struct init_template init_templates[];

#endif

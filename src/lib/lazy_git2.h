/*
 * lazy_git2.h - libgit2 loaded on first use (lazy.h): only `secrets scan
 * --git` reads a repository's history.
 */
#ifndef CUTOVER_LAZY_GIT2_H
#define CUTOVER_LAZY_GIT2_H

#include <git2.h>

#include "lazy.h"

#define LAZY_GIT2_LIST(F, V)	\
	F(git_blob_free) F(git_blob_is_binary) F(git_blob_lookup)	\
	F(git_blob_rawcontent) F(git_blob_rawsize) F(git_commit_free)	\
	F(git_commit_lookup) F(git_commit_parent)	\
	F(git_commit_parentcount) F(git_commit_tree)	\
	F(git_diff_foreach) F(git_diff_free) F(git_diff_options_init)	\
	F(git_diff_tree_to_tree) F(git_error_clear) F(git_error_last)	\
	F(git_libgit2_init) F(git_libgit2_shutdown) F(git_oid_cmp)	\
	F(git_oid_cpy) F(git_oid_tostr) F(git_repository_free)	\
	F(git_repository_open_ext) F(git_revwalk_free)	\
	F(git_revwalk_new) F(git_revwalk_next)	\
	F(git_revwalk_push_glob) F(git_revwalk_push_head)	\
	F(git_revwalk_sorting) F(git_tree_free)
LAZY_DECLARE(git2, LAZY_GIT2, LAZY_GIT2_LIST)

#define git_blob_free	(lazy_git2()->git_blob_free)
#define git_blob_is_binary	(lazy_git2()->git_blob_is_binary)
#define git_blob_lookup	(lazy_git2()->git_blob_lookup)
#define git_blob_rawcontent	(lazy_git2()->git_blob_rawcontent)
#define git_blob_rawsize	(lazy_git2()->git_blob_rawsize)
#define git_commit_free	(lazy_git2()->git_commit_free)
#define git_commit_lookup	(lazy_git2()->git_commit_lookup)
#define git_commit_parent	(lazy_git2()->git_commit_parent)
#define git_commit_parentcount	(lazy_git2()->git_commit_parentcount)
#define git_commit_tree	(lazy_git2()->git_commit_tree)
#define git_diff_foreach	(lazy_git2()->git_diff_foreach)
#define git_diff_free	(lazy_git2()->git_diff_free)
#define git_diff_options_init	(lazy_git2()->git_diff_options_init)
#define git_diff_tree_to_tree	(lazy_git2()->git_diff_tree_to_tree)
#define git_error_clear	(lazy_git2()->git_error_clear)
#define git_error_last	(lazy_git2()->git_error_last)
#define git_libgit2_init	(lazy_git2()->git_libgit2_init)
#define git_libgit2_shutdown	(lazy_git2()->git_libgit2_shutdown)
#define git_oid_cmp	(lazy_git2()->git_oid_cmp)
#define git_oid_cpy	(lazy_git2()->git_oid_cpy)
#define git_oid_tostr	(lazy_git2()->git_oid_tostr)
#define git_repository_free	(lazy_git2()->git_repository_free)
#define git_repository_open_ext	(lazy_git2()->git_repository_open_ext)
#define git_revwalk_free	(lazy_git2()->git_revwalk_free)
#define git_revwalk_new	(lazy_git2()->git_revwalk_new)
#define git_revwalk_next	(lazy_git2()->git_revwalk_next)
#define git_revwalk_push_glob	(lazy_git2()->git_revwalk_push_glob)
#define git_revwalk_push_head	(lazy_git2()->git_revwalk_push_head)
#define git_revwalk_sorting	(lazy_git2()->git_revwalk_sorting)
#define git_tree_free	(lazy_git2()->git_tree_free)
#endif

// Shell-style wildcard matching: `*` (any run), `?` (one char), `[abc]`,
// `[a-z]`, `[!a]`. Used for ktest=<glob>.
#pragma once

bool glob_match(const char* pattern, const char* str);
// True when the pattern contains no wildcard characters.
bool glob_is_literal(const char* pattern);

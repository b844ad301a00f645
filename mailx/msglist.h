// msglist.h — POSIX message lists (XCU mailx "Message Lists").
//
//   n  n-m  .  ^  $  *  +  -  :d :n :o :r :u  /subject-text  sender-text
//
// The result is ascending and without duplicates (bsd-mailx marks the
// messages, then walks them in order).  Deleted messages are not eligible,
// except for `undelete`, which only takes deleted ones.  With an empty list
// the default is the current message (or the nearest eligible one).
// Messages for errors follow bsd-mailx: "9: Invalid message number",
// "2: Inappropriate message", "No applicable messages",
// "No applicable messages from {/zzz}", "Referencing beyond EOF".
#pragma once

#include "mailx/folder.h"

#include "libmail/util/result.h"

#include <string_view>
#include <vector>

namespace mailx {

enum class ListFor { Undeleted, Deleted };

mail::Result<std::vector<std::size_t>> parse_msglist(std::string_view spec, const Folder& folder,
                                                     std::size_t current, ListFor mode = ListFor::Undeleted);

// Splits "[msglist] file" (save, copy, write): the last word is the file.
// Returns false if there is no word at all.
bool split_list_and_file(std::string_view args, std::string_view& list, std::string& file);

}  // namespace mailx

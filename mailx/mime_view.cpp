// mime_view.cpp — see mime_view.h.
#include "mailx/mime_view.h"

namespace mailx {

std::string view_body(std::string_view, std::string_view body) { return std::string(body); }

}  // namespace mailx

#include "lake/delta_table_state.h"

namespace pinpipe::lake {

void TableState::Apply(Action&& action) {
  if (auto* add = std::get_if<AddFile>(&action)) {
    tombstones.erase(add->path);
    std::string key = add->path;
    files.insert_or_assign(std::move(key), std::move(*add));
  } else if (auto* rm = std::get_if<RemoveFile>(&action)) {
    files.erase(rm->path);
    std::string key = rm->path;
    tombstones.insert_or_assign(std::move(key), std::move(*rm));
  } else if (auto* md = std::get_if<Metadata>(&action)) {
    metadata = std::move(*md);
  } else if (auto* p = std::get_if<Protocol>(&action)) {
    protocol = std::move(*p);
  } else if (auto* t = std::get_if<Txn>(&action)) {
    std::string key = t->app_id;
    txns.insert_or_assign(std::move(key), std::move(*t));
  }
}

}  // namespace pinpipe::lake

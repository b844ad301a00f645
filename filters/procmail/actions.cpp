// actions.cpp — the real Actions: folders (folder.h), programs (runner.h)
// and dotlocks (filters/common/dotlock.h), with procmail's timings and log.
#include "filters/common/dotlock.h"
#include "filters/procmail/engine.h"
#include "filters/procmail/folder.h"

#include <sys/stat.h>

#include <map>

namespace mail::procmail {

namespace {

class RealActions final : public Actions {
public:
    explicit RealActions(Engine& e) : m_engine(e) {}

    Result<Delivery> write_folder(const FolderRequest& req) override {
        FolderOptions o;
        o.part = req.header && req.body ? Part::whole : req.header ? Part::header : Part::body;
        o.raw = req.raw;
        o.berkeley = req.berkeley;
        o.msgprefix = m_engine.vars().value("MSGPREFIX");
        mode_t um = ::umask(0);
        ::umask(um);
        o.umask = um;
        o.log = [this](std::string_view t) { m_engine.diag(t); };
        o.verbose = m_engine.verbose();
        o.logfile_open = m_engine.log_fd() >= 0 || m_engine.verbose();
        auto d = procmail::write_folder(req.names, req.message, o);
        if (!d) return d.error();
        return Delivery{d->lastfolder, d->bytes};
    }

    RunResult run(const RunSpec& spec, Purpose) override { return run_program(spec); }

    std::optional<int> lock(const std::string& path) override {
        filters::DotlockOptions o;
        o.locksleep = m_engine.timing("LOCKSLEEP");
        o.locktimeout = m_engine.timing("LOCKTIMEOUT");
        o.suspend = m_engine.timing("SUSPEND");
        o.log = [this](std::string_view t) { m_engine.diag(t); };
        o.verbose = m_engine.verbose();
        auto l = filters::acquire_dotlock(path, o);
        if (!l) return std::nullopt;
        int id = ++m_next;
        m_locks.emplace(id, std::move(*l));
        return id;
    }

    void unlock(int id) override { m_locks.erase(id); }
    void release_all() override { m_locks.clear(); }

private:
    Engine& m_engine;
    std::map<int, filters::Dotlock> m_locks;
    int m_next = 0;
};

}  // namespace

std::unique_ptr<Actions> make_real_actions(const Settings&, Engine& engine) {
    return std::make_unique<RealActions>(engine);
}

}  // namespace mail::procmail

//! A private PostgreSQL cluster started from the installed server binaries, for `attain dev`
//! and the test harness. It listens on 127.0.0.1 only, on a free port, with trust auth for the
//! `attain` superuser. PostgreSQL refuses to run as root, so under root it runs as the
//! `postgres` system user. It dies with the process that started it.

use std::{
    io::Read,
    net::TcpListener,
    os::unix::{fs::chown, process::CommandExt},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Mutex, mpsc},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

/// Superuser name of clusters made here.
pub const SUPERUSER: &str = "attain";

#[derive(Debug, Clone, Copy, Default)]
pub struct LocalPostgresOptions {
    /// Trade durability for speed (no fsync): for throwaway test clusters only.
    pub ephemeral: bool,
    /// Listen on this port instead of a free one, e.g. to restart a cluster where its clients
    /// expect it.
    pub port: Option<u16>,
}

pub struct LocalPostgres {
    port: u16,
    pid: u32,
    exited: Mutex<mpsc::Receiver<()>>,
    /// Set by `stop`, so that dropping a stopped cluster signals no process (the pid may have
    /// been reused by then).
    stopped: bool,
}

impl LocalPostgres {
    /// Starts the cluster in `dir`, creating it on first use.
    pub fn start(dir: &Path, options: LocalPostgresOptions) -> anyhow::Result<LocalPostgres> {
        let bin = bin_dir()?;
        let owner = unprivileged_owner()?;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let data = dir.join("data");
        let log = dir.join("postgres.log");
        if let Some((uid, gid)) = owner {
            chown(dir, Some(uid), Some(gid))
                .with_context(|| format!("cannot give {} to the postgres user", dir.display()))?;
        }
        if !data.join("PG_VERSION").exists() {
            let mut initdb = command(&bin.join("initdb"), owner);
            initdb
                .args(["-D"])
                .arg(&data)
                .args(["-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-locale"]);
            if options.ephemeral {
                initdb.arg("--no-sync");
            }
            let out = initdb.output().context("cannot run initdb")?;
            if !out.status.success() {
                bail!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
            }
        }
        stop_leftover(&data);

        let mut last_error = None;
        for _ in 0..5 {
            let port = match options.port {
                Some(port) => port,
                None => free_port()?,
            };
            let log_file = std::fs::File::create(&log).context("cannot create the PostgreSQL log")?;
            if let Some((uid, gid)) = owner {
                chown(&log, Some(uid), Some(gid))?;
            }
            let mut postgres = command(&bin.join("postgres"), owner);
            postgres
                .arg("-D")
                .arg(&data)
                .args([
                    "-p",
                    &port.to_string(),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "unix_socket_directories=",
                ])
                .args(["-c", "max_connections=400"]);
            if options.ephemeral {
                postgres.args([
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                ]);
            }
            postgres.stdout(Stdio::null()).stderr(log_file);
            let (pid, exited) = spawn_supervised(postgres)?;
            match wait_ready(&log, &exited) {
                Ok(()) => {
                    return Ok(LocalPostgres {
                        port,
                        pid,
                        exited: Mutex::new(exited),
                        stopped: false,
                    });
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("PostgreSQL did not start")))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// URL of a database of this cluster, as the superuser.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Fast shutdown: disconnects clients, then stops cleanly.
    pub fn stop(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        // SAFETY: kill has no memory-safety preconditions; pid is our own child.
        unsafe { libc::kill(self.pid as i32, libc::SIGINT) };
        if let Ok(exited) = self.exited.lock() {
            let _ = exited.recv_timeout(Duration::from_secs(30));
        }
    }
}

impl Drop for LocalPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Spawns the child from a thread that lives exactly as long as the child, so the parent-death
/// signal (which follows the spawning thread) stops PostgreSQL only when our process ends.
fn spawn_supervised(mut cmd: Command) -> anyhow::Result<(u32, mpsc::Receiver<()>)> {
    // SAFETY: prctl is async-signal-safe, as pre_exec requires.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT);
            Ok(())
        });
    }
    let (pid_tx, pid_rx) = mpsc::channel::<std::io::Result<u32>>();
    let (exit_tx, exit_rx) = mpsc::channel();
    std::thread::Builder::new().name("postgres".into()).spawn(move || {
        let child: std::io::Result<Child> = cmd.spawn();
        match child {
            Ok(mut child) => {
                let _ = pid_tx.send(Ok(child.id()));
                let _ = child.wait();
            }
            Err(e) => {
                let _ = pid_tx.send(Err(e));
            }
        }
        let _ = exit_tx.send(());
    })?;
    let pid = pid_rx
        .recv()
        .context("postgres supervisor thread died")?
        .context("cannot start postgres")?;
    Ok((pid, exit_rx))
}

fn wait_ready(log: &Path, exited: &mpsc::Receiver<()>) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(log) {
            let _ = f.read_to_string(&mut text);
        }
        if text.contains("database system is ready to accept connections") {
            return Ok(());
        }
        if exited.try_recv().is_ok() {
            bail!("PostgreSQL exited at start:\n{text}");
        }
        if Instant::now() > deadline {
            bail!("PostgreSQL was not ready within 60 s:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A postmaster left running by a process that was killed holds the data directory; stop it.
fn stop_leftover(data: &Path) {
    let Ok(pidfile) = std::fs::read_to_string(data.join("postmaster.pid")) else {
        return;
    };
    let Some(pid) = pidfile.lines().next().and_then(|l| l.trim().parse::<i32>().ok()) else {
        return;
    };
    // SAFETY: signalling a pid has no memory-safety preconditions.
    let alive = |sig| unsafe { libc::kill(pid, sig) == 0 };
    if !alive(0) {
        return;
    }
    alive(libc::SIGINT);
    let deadline = Instant::now() + Duration::from_secs(30);
    while alive(0) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn command(program: &Path, owner: Option<(u32, u32)>) -> Command {
    let mut cmd = Command::new(program);
    if let Some((uid, gid)) = owner {
        cmd.uid(uid).gid(gid);
    }
    cmd
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The uid and gid to run PostgreSQL as when we are root, or `None` when we are not.
fn unprivileged_owner() -> anyhow::Result<Option<(u32, u32)>> {
    // SAFETY: geteuid cannot fail and touches no memory.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let passwd = std::fs::read_to_string("/etc/passwd").context("cannot read /etc/passwd")?;
    for line in passwd.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.first() == Some(&"postgres") && fields.len() > 3 {
            return Ok(Some((fields[2].parse()?, fields[3].parse()?)));
        }
    }
    bail!("running as root, and PostgreSQL refuses root: create a `postgres` system user or run as another user")
}

/// Where `initdb` and `postgres` are: `ATTAIN_PG_BIN_DIR`, else `PATH`, else Debian's location.
fn bin_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("ATTAIN_PG_BIN_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let candidates = std::env::split_paths(&path).chain(
        std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin")),
    );
    for dir in candidates {
        if dir.join("initdb").is_file() && dir.join("postgres").is_file() {
            return Ok(dir);
        }
    }
    bail!("PostgreSQL server binaries (initdb, postgres) not found: put them on PATH or set ATTAIN_PG_BIN_DIR")
}

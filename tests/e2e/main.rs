//! End-to-end tests across the services: the real `attain` binary, a real PostgreSQL, and clients nobody here
//! wrote (`buf curl` over server reflection).

mod credentials;
mod database_guard;
mod demo;
mod dev;
mod docs;
mod faults;
mod hiring;
mod identity;
mod import;
mod milestones;
mod operator;
mod otlp;
mod rollout;
mod scorecard;
mod telemetry;
mod tls;
mod tour;
mod webhooks;

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

/// The `attain` binary of this workspace, built once per run (a no-op when it is up to date):
/// the suites live outside the CLI's package, so cargo does not build it for them. The binary of
/// `ATTAIN_BIN` is used instead when set, e.g. a release build under test.
pub fn attain_binary() -> &'static std::path::Path {
    static BINARY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os("ATTAIN_BIN") {
            return PathBuf::from(path);
        }
        // This test runs as target/<profile>/deps/e2e-<hash>; the binary goes to target/<profile>.
        let exe = std::env::current_exe().expect("the test binary's path");
        let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>");
        let mut build = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        build
            .args(["build", "--quiet", "--locked", "-p", "attain-cli", "--bin", "attain"])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build for the attain binary");
        assert!(status.success(), "cargo build -p attain-cli failed");
        profile_dir.join(format!("attain{}", std::env::consts::EXE_SUFFIX))
    })
}

pub fn attain() -> Command {
    let mut cmd = Command::new(attain_binary());
    cmd.env_remove("DATABASE_URL")
        .env_remove("ATTAIN_DB_ROLE")
        .env("ATTAIN_PEER_SECRET", attain_testing::PEER_SECRET)
        .env("ATTAIN_LOG", "warn");
    cmd
}

/// Runs a command to completion, failing the test with its output if it fails.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run attain");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Migrates the database at `url`, creates a tenant with `tenant_args` (`tenant create …`) and
/// an admin key for it, through the binary; returns the tenant id and the key.
pub fn migrate_with_admin_key(url: &str, tenant_args: &[&str]) -> (String, String) {
    run_ok(attain().args(["migrate", "--create-roles"]).env("DATABASE_URL", url));
    let tenant = run_ok(attain().args(tenant_args).env("DATABASE_URL", url))
        .trim()
        .to_string();
    let key = run_ok(
        attain()
            .args(["apikey", "create", "--tenant", &tenant, "--role", "admin"])
            .env("DATABASE_URL", url),
    )
    .trim()
    .to_string();
    (tenant, key)
}

/// Registers the test issuer (`attain_testing::issuer_for`, the fixture RSA key) for `tenant`
/// through `attain tenant idp add`, so `attain_testing::Jwt` tokens sign in to it.
pub fn register_test_issuer(url: &str, tenant: &str) {
    let tenant_id: uuid::Uuid = tenant.parse().expect("tenant id");
    let keys = attain_testing::jwt::fixture("jwt-rs256.pub.pem");
    let mut cmd = attain();
    cmd.args(["tenant", "idp", "add", "--tenant", tenant])
        .args(["--issuer", &attain_testing::issuer_for(tenant_id)])
        .args(["--audience", attain_testing::JWT_AUDIENCE])
        .arg("--keys-file")
        .arg(keys)
        .args(["--person-claim", "attain_person", "--person-match", "person-id"])
        .args(["--role-claim", "roles"]);
    for role in ["admin", "manager", "rep", "integration"] {
        cmd.args(["--role-map", &format!("{role}={role}")]);
    }
    run_ok(cmd.env("DATABASE_URL", url));
}

pub fn run_err(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run attain");
    assert!(!out.status.success(), "{cmd:?} should fail");
    out
}

/// The admin API key `attain dev` prints in its banner.
pub fn admin_key(banner: &str) -> String {
    banner
        .lines()
        .find_map(|l| l.strip_prefix("Admin API key: "))
        .expect("the banner shows an admin API key")
        .trim()
        .to_string()
}

/// The whole HTTP/1.1 response (status line, headers, body) to a GET of `path` on `addr`.
pub fn http_get(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to the admin port");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A base port for `attain dev --base-port`: the four gRPC ports from it and their admin ports
/// (+1000) are free. Picked below the kernel's ephemeral range (32768 and up), where
/// [`free_port`] draws from, so a port another test was just handed cannot land in the block.
pub fn dev_base_port() -> u16 {
    let free = |p: u16| TcpListener::bind(("127.0.0.1", p)).is_ok();
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default()
        ^ std::process::id().wrapping_mul(2_654_435_761);
    loop {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let base = 20_000 + (seed % 10_000) as u16;
        if (0..4).flat_map(|i| [base + i, base + 1000 + i]).all(free) {
            return base;
        }
    }
}

/// The `buf` CLI installed by `scripts/tools.sh`, or `$BUF`.
pub fn buf() -> PathBuf {
    let path = std::env::var_os("BUF")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools/node_modules/.bin/buf"));
    assert!(
        path.exists(),
        "buf not found at {}: run scripts/tools.sh (scripts/test does)",
        path.display()
    );
    path
}

/// Calls a method with `buf curl` over reflection and returns the JSON response.
pub fn buf_curl(addr: &str, key: &str, method: &str, body: serde_json::Value) -> serde_json::Value {
    let out = Command::new(buf())
        .args(["curl", "--protocol", "grpc", "--http2-prior-knowledge", "-H"])
        .arg(format!("authorization: Bearer {key}"))
        .arg("-d")
        .arg(body.to_string())
        .arg(format!("http://{addr}/{method}"))
        .output()
        .expect("run buf curl");
    assert!(
        out.status.success(),
        "buf curl {method} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from buf curl")
}

/// A running `attain` process, killed if the test ends without stopping it.
pub struct Running(pub Child);

impl Running {
    /// Sends SIGTERM and waits for a clean exit.
    pub fn terminate(&mut self) {
        // SAFETY: kill has no memory-safety preconditions; the pid is our child's.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.0.try_wait().expect("wait") {
                assert!(status.success(), "attain exited with {status} after SIGTERM");
                return;
            }
            assert!(Instant::now() < deadline, "attain did not stop within 60 s of SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Reads the child's stdout until a line containing `marker`, returning everything read.
pub fn read_until(child: &mut Running, marker: &str) -> String {
    let stdout = child.0.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = String::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
                if line.contains(marker) {
                    return seen;
                }
            }
            Err(_) => panic!("no \"{marker}\" from attain; it printed:\n{seen}"),
        }
    }
}

pub fn spawn(cmd: &mut Command) -> Running {
    Running(
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start attain"),
    )
}

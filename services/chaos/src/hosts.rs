//! Hosts for the nodes: a network namespace each, joined by veth pairs to a
//! bridge that the suite makes and removes, or, where that is not possible
//! (not root, no `ip netns`), separate loopback addresses.

use std::process::{Command, Stdio};

/// Where the suite's hosts live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Namespaces,
    Loopback,
}

const BRIDGE: &str = "enrchaos0";
pub const SUBNET: &str = "10.231.7";

/// One host: an address, and in namespace mode a namespace and a link.
#[derive(Debug, Clone)]
pub struct Host {
    pub name: String,
    pub ip: String,
    mode: Mode,
}

fn run(args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new(args[0])
        .args(&args[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "`{}` failed", args.join(" "));
    Ok(())
}

/// Runs `args` inside the namespace `ns`.
fn in_ns(ns: &str, args: &[&str]) -> anyhow::Result<()> {
    let mut all = vec!["ip", "netns", "exec", ns];
    all.extend_from_slice(args);
    run(&all)
}

fn quiet(args: &[&str]) {
    let _ = run(args);
}

impl Host {
    fn namespace(&self) -> String {
        format!("enrchaos-{}", self.name)
    }

    /// The host's end of its link (inside the namespace).
    fn inner_link(&self) -> String {
        format!("ec-{}-in", self.name)
    }

    fn outer_link(&self) -> String {
        format!("ec-{}-out", self.name)
    }

    /// A command that runs on this host.
    pub fn command(&self, program: &std::path::Path) -> Command {
        match self.mode {
            Mode::Namespaces => {
                let mut command = Command::new("ip");
                command.args(["netns", "exec", &self.namespace()]).arg(program);
                command
            }
            Mode::Loopback => Command::new(program),
        }
    }

    /// Cuts the host off: packets to it are dropped, no reset comes back.
    pub fn cut(&self) -> anyhow::Result<()> {
        match self.mode {
            Mode::Namespaces => run(&["ip", "link", "set", &self.outer_link(), "down"]),
            Mode::Loopback => anyhow::bail!("cutting a host off needs network namespaces"),
        }
    }

    pub fn reconnect(&self) -> anyhow::Result<()> {
        match self.mode {
            Mode::Namespaces => run(&["ip", "link", "set", &self.outer_link(), "up"]),
            Mode::Loopback => Ok(()),
        }
    }

    /// Slows everything the host sends: `delay_ms` of added delay with
    /// netem, or, where the kernel lacks netem, a 2 kbit/s token bucket that
    /// stretches every answer to seconds (once its burst is spent). Returns which one was applied.
    pub fn slow(&self, delay_ms: u64) -> anyhow::Result<&'static str> {
        anyhow::ensure!(self.mode == Mode::Namespaces, "slowing a host needs network namespaces");
        let (ns, link) = (self.namespace(), self.inner_link());
        let tc = |qdisc: &[&str]| {
            let mut args = vec!["tc", "qdisc", "add", "dev", &link, "root"];
            args.extend_from_slice(qdisc);
            in_ns(&ns, &args)
        };
        let delay = format!("{delay_ms}ms");
        if tc(&["netem", "delay", &delay]).is_ok() {
            return Ok("netem delay");
        }
        tc(&["tbf", "rate", "2kbit", "burst", "1600", "latency", "10s"])?;
        Ok("2 kbit/s token bucket (no netem in this kernel)")
    }

    pub fn unslow(&self) -> anyhow::Result<()> {
        match self.mode {
            Mode::Namespaces => in_ns(
                &self.namespace(),
                &["tc", "qdisc", "del", "dev", &self.inner_link(), "root"],
            ),
            Mode::Loopback => Ok(()),
        }
    }
}

/// The suite's hosts; removed when dropped, whatever happened.
pub struct Hosts {
    pub mode: Mode,
    pub hosts: Vec<Host>,
}

impl Hosts {
    /// Makes one host per name: namespaces when possible, else loopback
    /// addresses 127.0.0.2, .3, ...
    pub fn create(names: &[&str]) -> Self {
        let root = unsafe { libc::geteuid() } == 0;
        if root && std::env::var("CHAOS_LOOPBACK").is_err() {
            match Self::namespaces(names) {
                Ok(hosts) => return hosts,
                Err(e) => eprintln!("network namespaces are not available ({e:#}); using loopback addresses"),
            }
        } else {
            eprintln!("not root: using loopback addresses; cut-off and slowed faults are skipped");
        }
        Self::create_loopback(names)
    }

    /// One loopback address per name: 127.0.0.2, .3, ...
    pub fn create_loopback(names: &[&str]) -> Self {
        let hosts = names
            .iter()
            .enumerate()
            .map(|(n, name)| Host {
                name: (*name).to_owned(),
                ip: format!("127.0.0.{}", n + 2),
                mode: Mode::Loopback,
            })
            .collect();
        Self {
            mode: Mode::Loopback,
            hosts,
        }
    }

    fn namespaces(names: &[&str]) -> anyhow::Result<Self> {
        // Leftovers of an interrupted run would make every step fail.
        cleanup(names);
        let mut made = Self {
            mode: Mode::Namespaces,
            hosts: Vec::new(),
        };
        run(&["ip", "link", "add", BRIDGE, "type", "bridge"])?;
        run(&["ip", "addr", "add", &format!("{SUBNET}.1/24"), "dev", BRIDGE])?;
        run(&["ip", "link", "set", BRIDGE, "up"])?;
        for (n, name) in names.iter().enumerate() {
            let host = Host {
                name: (*name).to_owned(),
                ip: format!("{SUBNET}.{}", n + 10),
                mode: Mode::Namespaces,
            };
            let ns = host.namespace();
            run(&["ip", "netns", "add", &ns])?;
            made.hosts.push(host.clone());
            run(&[
                "ip",
                "link",
                "add",
                &host.outer_link(),
                "type",
                "veth",
                "peer",
                "name",
                &host.inner_link(),
            ])?;
            run(&["ip", "link", "set", &host.inner_link(), "netns", &ns])?;
            run(&["ip", "link", "set", &host.outer_link(), "master", BRIDGE])?;
            run(&["ip", "link", "set", &host.outer_link(), "up"])?;
            in_ns(
                &ns,
                &[
                    "ip",
                    "addr",
                    "add",
                    &format!("{}/24", host.ip),
                    "dev",
                    &host.inner_link(),
                ],
            )?;
            in_ns(&ns, &["ip", "link", "set", &host.inner_link(), "up"])?;
            in_ns(&ns, &["ip", "link", "set", "lo", "up"])?;
            in_ns(&ns, &["ip", "route", "add", "default", "via", &format!("{SUBNET}.1")])?;
        }
        Ok(made)
    }

    pub fn get(&self, name: &str) -> &Host {
        self.hosts.iter().find(|h| h.name == name).expect("a host of the suite")
    }
}

fn cleanup(names: &[&str]) {
    for name in names {
        quiet(&["ip", "link", "del", &format!("ec-{name}-out")]);
        quiet(&["ip", "netns", "del", &format!("enrchaos-{name}")]);
    }
    quiet(&["ip", "link", "del", BRIDGE]);
}

impl Drop for Hosts {
    fn drop(&mut self) {
        if self.mode == Mode::Namespaces {
            let names: Vec<&str> = self.hosts.iter().map(|h| h.name.as_str()).collect();
            cleanup(&names);
        }
    }
}

//! Privileged-port forwards: the root commands that apply one (iptables, nftables,
//! Ansible), whether it is saved for the next boot, and whether it works now.

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use app::model::host::{Forward, ForwardState, Protocol, Recipes};

/// Where iptables-persistent and nftables keep the rules loaded at boot.
const SAVED_RULES: [&str; 2] = ["/etc/iptables/rules.v4", "/etc/nftables.conf"];

/// The comment that marks Berth's rules, so they can be found and removed.
fn comment(forward: &Forward) -> String {
    format!("berth-{}-{}-{}", forward.protocol.as_str(), forward.source, forward.target)
}

/// The commands and files that apply a forward.
pub fn recipes(forward: &Forward) -> Recipes {
    let (proto, source, target) = (forward.protocol.as_str(), forward.source, forward.target);
    let rule = |op: &str, chain: &str, lo: bool| {
        let out = if lo { " -o lo" } else { "" };
        format!("iptables -t nat {op} {chain}{out} -p {proto} --dport {source} -m comment --comment {} -j REDIRECT --to-ports {target}", comment(forward))
    };
    let iptables = vec![rule("-A", "PREROUTING", false), rule("-A", "OUTPUT", true)];
    let iptables_remove = vec![rule("-D", "PREROUTING", false), rule("-D", "OUTPUT", true)];
    let nftables = vec![
        "nft add table ip berth".to_owned(),
        "nft add chain ip berth prerouting '{ type nat hook prerouting priority dstnat; }'".to_owned(),
        "nft add chain ip berth output '{ type nat hook output priority -100; }'".to_owned(),
        format!("nft add rule ip berth prerouting {proto} dport {source} redirect to :{target}"),
        format!("nft add rule ip berth output oif lo {proto} dport {source} redirect to :{target}"),
    ];
    let persist = vec![
        "apt-get install iptables-persistent".to_owned(),
        "netfilter-persistent save".to_owned(),
        "# nftables instead: add the rules to /etc/nftables.conf and run: systemctl enable nftables".to_owned(),
    ];
    let ansible = format!(
        "- name: Forward {proto} port {source} to {target} (Berth)\n  become: true\n  ansible.builtin.iptables:\n    table: nat\n    chain: \"{{{{ item.chain }}}}\"\n    out_interface: \"{{{{ item.out | default(omit) }}}}\"\n    protocol: {proto}\n    destination_port: \"{source}\"\n    comment: {}\n    jump: REDIRECT\n    to_ports: \"{target}\"\n  loop:\n    - {{ chain: PREROUTING }}\n    - {{ chain: OUTPUT, out: lo }}\n\n- name: Save the rules so they are loaded at boot\n  become: true\n  ansible.builtin.command: netfilter-persistent save\n",
        comment(forward)
    );
    Recipes { iptables, iptables_remove, nftables, persist, ansible }
}

/// Whether the rules loaded at boot hold this forward (`None`: a rules file could not be read).
pub fn saved(forward: &Forward) -> Option<bool> {
    let mut unreadable = false;
    for path in SAVED_RULES {
        match std::fs::read_to_string(path) {
            Ok(text) if holds(&text, forward) => return Some(true),
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => unreadable = true,
        }
    }
    if unreadable { None } else { Some(false) }
}

/// Whether saved rules (iptables-save or nft syntax) redirect the source port to the target.
fn holds(rules: &str, forward: &Forward) -> bool {
    let (proto, source, target) = (forward.protocol.as_str(), forward.source, forward.target);
    rules.lines().any(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let has = |pair: [&str; 2]| words.windows(2).any(|w| w == pair);
        let source = source.to_string();
        let target = target.to_string();
        let iptables = has(["-p", proto]) && has(["--dport", &source]) && has(["-j", "REDIRECT"]) && has(["--to-ports", &target]);
        let nft = has([proto, "dport"]) && has(["dport", &source]) && has(["to", &format!(":{target}")]);
        iptables || nft
    })
}

/// Whether the forward works for this host's own connections (loopback, the OUTPUT rule):
/// a connection to the source port must be accepted by the listener on the target port.
pub async fn verify(forward: Forward) -> ForwardState {
    if forward.protocol == Protocol::Udp {
        return ForwardState::Unchecked("UDP has no connection to follow, so Berth can't check it from here: test it from a client.".to_owned());
    }
    tokio::task::spawn_blocking(move || verify_tcp(forward.source, forward.target))
        .await
        .unwrap_or_else(|_| ForwardState::Unchecked("The check failed to run.".to_owned()))
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

fn verify_tcp(source: u16, target: u16) -> ForwardState {
    let connect = |port: u16| TcpStream::connect_timeout(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)), CONNECT_TIMEOUT);
    if connect(target).is_err() {
        return ForwardState::NotWorking(format!("Nothing answers on port {target}: start the container that publishes it, then check again."));
    }
    let stream = match connect(source) {
        Ok(stream) => stream,
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
            return ForwardState::NotWorking(format!("A connection to port {source} is refused: no forward to {target} is in place."));
        }
        Err(_) => return ForwardState::NotWorking(format!("A connection to port {source} got no answer.")),
    };
    let Ok(local) = stream.local_addr() else { return ForwardState::Unchecked("The check's own connection has no address.".to_owned()) };
    // The accepting end of our connection names the port that really answered: the
    // target when the kernel redirected it, the source when something listens there.
    let deadline = Instant::now() + Duration::from_millis(500);
    loop {
        match answering_port(local.port()) {
            Some(port) if port == target => {
                return ForwardState::Working;
            }
            Some(port) => {
                return ForwardState::NotWorking(format!(
                    "Port {source} is answered by another program listening on port {port}, not by port {target}."
                ));
            }
            None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            None => return ForwardState::Unchecked("The connection could not be followed in /proc/net/tcp.".to_owned()),
        }
    }
}

/// The local port of the socket whose peer is our own port `client` (the accepting end).
fn answering_port(client: u16) -> Option<u16> {
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().find_map(|path| std::fs::read_to_string(Path::new(path)).ok().and_then(|t| accepting_port(&t, client)))
}

/// In `/proc/net/tcp` text, the local port of the connection whose remote port is `client`.
pub fn accepting_port(table: &str, client: u16) -> Option<u16> {
    let port = |addr: &str| addr.rsplit_once(':').and_then(|(_, p)| u16::from_str_radix(p, 16).ok());
    table.lines().skip(1).find_map(|line| {
        let mut fields = line.split_whitespace().skip(1);
        let (local, remote) = (fields.next()?, fields.next()?);
        (port(remote)? == client).then(|| port(local)).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEB: Forward = Forward { source: 80, target: 8080, protocol: Protocol::Tcp };

    #[test]
    fn iptables_recipes_cover_outside_and_loopback_traffic() {
        let r = recipes(&WEB);
        assert_eq!(r.iptables[0], "iptables -t nat -A PREROUTING -p tcp --dport 80 -m comment --comment berth-tcp-80-8080 -j REDIRECT --to-ports 8080");
        assert_eq!(r.iptables[1], "iptables -t nat -A OUTPUT -o lo -p tcp --dport 80 -m comment --comment berth-tcp-80-8080 -j REDIRECT --to-ports 8080");
        assert_eq!(r.iptables_remove[1], r.iptables[1].replace("-A OUTPUT", "-D OUTPUT"));
        assert!(r.nftables.iter().any(|l| l == "nft add rule ip berth output oif lo tcp dport 80 redirect to :8080"));
        assert!(r.ansible.contains("destination_port: \"80\"") && r.ansible.contains("to_ports: \"8080\""));
        assert!(r.persist.iter().any(|l| l == "netfilter-persistent save"));
    }

    #[test]
    fn saved_rules_are_recognised_in_both_syntaxes() {
        let saved = "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 80 -m comment --comment berth-tcp-80-8080 -j REDIRECT --to-ports 8080\nCOMMIT\n";
        assert!(holds(saved, &WEB));
        assert!(!holds(saved, &Forward { target: 8081, ..WEB }));
        assert!(!holds(saved, &Forward { protocol: Protocol::Udp, ..WEB }));
        assert!(holds("table ip berth {\n chain output {\n  oif lo tcp dport 80 redirect to :8080\n }\n}\n", &WEB));
        assert!(!holds("tcp dport 8080 redirect to :80", &WEB));
    }

    #[test]
    fn the_accepting_end_of_a_connection_is_found_by_its_peer_port() {
        // Our socket 127.0.0.1:51234 -> :80 was redirected; the listener's end is :8080.
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
                     0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1\n\
                     1: 0100007F:C862 0100007F:0050 01 00000000:00000000 00:00000000 00000000  1000        0 2 1\n\
                     2: 0100007F:1F90 0100007F:C862 01 00000000:00000000 00:00000000 00000000  1000        0 3 1\n";
        assert_eq!(accepting_port(table, 0xC862), Some(8080));
        assert_eq!(accepting_port(table, 4444), None);
    }
}

//! `vigie cluster`: the shared engines of cluster mode (`[cluster]` in the configuration).
//!
//! `init` creates the NATS JetStream streams and consumers with the configured settings (or
//! brings existing ones to them) and the key-value buckets beside them, and prints what it
//! did; `status` prints the detecting processes alive, each stream's replicas, leader,
//! envelopes and detecting process, and each consumer's backlog.

use std::process::ExitCode;

use anyhow::Context;
use vigie_nats::NatsConfig;

use super::Global;

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// Create the event streams and consumers of `[cluster.nats]` (or update their
    /// settings). Safe to run again.
    Init,
    /// Show the event streams and how far each consumer is behind.
    Status,
}

/// The `[cluster.nats]` section, or an error saying it is needed.
pub(crate) fn nats_config(global: &Global) -> anyhow::Result<NatsConfig> {
    let config = global.load_config()?;
    let problems = config.validate("configuration");
    if !problems.is_empty() {
        anyhow::bail!("{}", crate::config::Problems(problems));
    }
    config
        .cluster
        .nats
        .context("no [cluster.nats] section in the configuration: cluster mode is off")
}

pub(crate) async fn run(global: &Global, command: Command) -> anyhow::Result<ExitCode> {
    let nats = nats_config(global)?;
    let client = vigie_nats::connect(&nats, "vigie-cli").await?;
    match command {
        Command::Init => {
            let report = vigie_nats::init(&client, &nats).await?;
            print!("{report}");
            if nats.replicas < 3 {
                println!(
                    "warning: replicas = {}: the streams are not replicated",
                    nats.replicas
                );
            }
        }
        Command::Status => {
            let js = async_nats::jetstream::new(client.clone());
            let members = vigie_nats::membership::members(&client, &nats).await?;
            println!(
                "detecting processes: {}{}",
                members.len(),
                if members.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", members.join(", "))
                }
            );
            for partition in 0..nats.partitions {
                let name = nats.stream(partition);
                let mut stream = js
                    .get_stream(&name)
                    .await
                    .with_context(|| format!("stream {name} (run `vigie cluster init`)"))?;
                let info = stream.info().await?.clone();
                let owner = vigie_nats::membership::owner(&members, partition).unwrap_or("none");
                println!(
                    "stream {name}: {} replica(s), leader {}, {} envelope(s), {} bytes, detected by {owner}",
                    info.config.num_replicas,
                    info.cluster
                        .as_ref()
                        .and_then(|c| c.leader.clone())
                        .unwrap_or_else(|| "unknown".to_owned()),
                    info.state.messages,
                    info.state.bytes
                );
                for consumer in &nats.consumers {
                    let mut handle = stream
                        .get_consumer::<async_nats::jetstream::consumer::pull::Config>(consumer)
                        .await
                        .map_err(|e| anyhow::anyhow!("consumer {consumer} of {name}: {e}"))?;
                    let c = handle.info().await?;
                    println!(
                        "  consumer {consumer}: {} waiting, {} handed out and not committed, {} redelivered",
                        c.num_pending, c.num_ack_pending, c.num_redelivered
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! `framecast-mock`: the loopback Veo gateway as a program, for the offline demo and by-hand tests.

use clap::Parser;
use framecast_mock::{MockConfig, MockGateway, scenario};
use std::time::Duration;

/// A Veo gateway on 127.0.0.1 that answers from a catalogue of scenarios.
#[derive(Parser)]
#[command(
    version,
    after_help = "Pick a scenario per request with the base URL http://127.0.0.1:PORT/s/NAME, or with a #NAME word in the prompt."
)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// The only API key accepted (any key if not set).
    #[arg(long, env = "FRAMECAST_MOCK_KEY")]
    key: Option<String>,
    /// Milliseconds between two status lines.
    #[arg(long, default_value_t = 700)]
    tick_ms: u64,
    /// The scenario for requests that name none.
    #[arg(long, default_value = "success")]
    scenario: String,
    /// List the scenarios and exit.
    #[arg(long)]
    list: bool,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    if args.list {
        for (name, what) in scenario::CATALOGUE {
            println!("{name:<18} {what}");
        }
        return Ok(());
    }
    let mock = MockGateway::start(MockConfig {
        api_key: args.key,
        tick: Duration::from_millis(args.tick_ms),
        default_scenario: args.scenario,
        port: args.port,
    })
    .await?;
    println!("Framecast mock gateway on {}", mock.base_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}

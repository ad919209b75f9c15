//! An axum app that adds customers, two ways: a handler that awaits the
//! async client (shared in the app's state; it is cheap to clone), and one
//! that calls existing synchronous code, which uses the blocking client,
//! through `tokio::task::spawn_blocking` (as any blocking call in axum).
//! The client is made once, when the app starts, from its environment.
//!
//!     cargo run -p kapture-crm --example axum_app
//!
//! Runs against a sandbox started in this process, calls each route once
//! and checks the sandbox holds both customers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use kapture_crm::{AddCustomerRequest, Client, blocking};
use kapture_crm_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Clone)]
struct App {
    kapture: Client,
}

/// The usual way: await the async client in the handler.
async fn add(State(app): State<App>, Json(customer): Json<Value>) -> (StatusCode, Json<Value>) {
    let request = match AddCustomerRequest::from_json(&customer) {
        Ok(request) => request,
        Err(err) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"error": err.to_string()})),
            );
        }
    };
    match app.kapture.add_customer(&request).await {
        Ok(reply) => (
            StatusCode::CREATED,
            Json(json!({"customer_id": reply.customer_id()})),
        ),
        Err(err) => (
            StatusCode::BAD_GATEWAY,
            Json(json!({"error": err.to_string()})),
        ),
    }
}

/// Code written for scripts and workers, unchanged.
fn add_with_existing_sync_code(
    client: &blocking::Client,
    customer: &Value,
) -> Result<Option<i64>, kapture_crm::Error> {
    Ok(client.add_customer_json(customer)?.customer_id())
}

/// Called from axum through `spawn_blocking`, where blocking is allowed.
async fn add_sync(
    State(app): State<App>,
    Json(customer): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let client = blocking::Client::from_client(&app.kapture);
    let outcome =
        tokio::task::spawn_blocking(move || add_with_existing_sync_code(&client, &customer)).await;
    match outcome {
        Ok(Ok(id)) => (StatusCode::CREATED, Json(json!({"customer_id": id}))),
        Ok(Err(err)) => (
            StatusCode::BAD_GATEWAY,
            Json(json!({"error": err.to_string()})),
        ),
        Err(join) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": join.to_string()})),
        ),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start(SandboxConfig::default()).await?;
    // An app reads KAPTURE_TOKEN and KAPTURE_SUBDOMAIN with Client::from_env();
    // here, the sandbox's.
    let kapture = Client::builder()
        .token(sandbox.token())
        .base_url(sandbox.url())
        .build()?;
    let app = Router::new()
        .route("/customers", post(add))
        .route("/customers/sync", post(add_sync))
        .with_state(App { kapture });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    for (path, name, phone) in [
        ("/customers", "Asha Rao", "9380491387"),
        ("/customers/sync", "Ravi Kumar", "9845012346"),
    ] {
        let body = json!({"customer_info": {"customer_name": name, "phone": phone}}).to_string();
        let reply = post_json(address, path, &body).await?;
        println!("POST {path}: {reply}");
        if !reply.starts_with("HTTP/1.1 201") {
            return Err(format!("POST {path} was not created: {reply}").into());
        }
    }
    let names: Vec<String> = sandbox
        .customers()
        .iter()
        .map(|c| {
            c.request["customer_info"]["customer_name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    println!("the sandbox holds: {names:?}");
    if names.len() != 2 {
        return Err("expected two customers in the sandbox".into());
    }
    Ok(())
}

/// One HTTP/1.1 POST over a plain socket: the status line and the body.
async fn post_json(
    address: std::net::SocketAddr,
    path: &str,
    body: &str,
) -> std::io::Result<String> {
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await?;
    let status = reply.lines().next().unwrap_or_default().to_string();
    let content = reply.split("\r\n\r\n").nth(1).unwrap_or_default();
    Ok(format!("{status} {content}"))
}

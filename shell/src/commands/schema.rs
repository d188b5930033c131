//! `mailsec schema`: print the JSON Schema of the state file (generated from the model types).

pub fn run() -> i32 {
    println!("{}", mailsec_state::schema::state_schema_json());
    0
}

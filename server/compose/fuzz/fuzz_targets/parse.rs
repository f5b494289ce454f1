//! Arbitrary bytes through everything a deploy does with a stack's files. The first
//! byte picks where the input splits into compose.yaml and .env.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else { return };
    let at = if rest.is_empty() { 0 } else { usize::from(split) * rest.len() / 256 };
    let (compose_bytes, env_bytes) = rest.split_at(at.min(rest.len()));
    let compose = String::from_utf8_lossy(compose_bytes);
    let env = String::from_utf8_lossy(env_bytes);
    let _ = compose::parse_env(&env);
    let name = compose::StackName::parse("fuzz").expect("valid name");
    let mut variables = BTreeMap::new();
    variables.insert("FUZZ".to_owned(), "8080".to_owned());
    let input = compose::Input { compose: &compose, env: &env, variables: &variables };
    if let Ok(mut project) = compose::parse(&name, &input) {
        let _ = compose::policy_findings(&project);
        let _ = compose::start_order(&project).expect("parse() rejects cycles");
        let names: Vec<String> = project.services.keys().cloned().collect();
        for service in &names {
            assert!(compose::config_hash(&project, service).is_some());
            if let Some(s) = project.services.get_mut(service) {
                let _ = compose::merge_env_file(s, "x.env", &env);
            }
        }
    }
});

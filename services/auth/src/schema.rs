// Written to match `migrations/`; both backends share it.

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        roles -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    login_failures (subject) {
        subject -> Text,
        failures -> Integer,
        window_ends_at -> Timestamp,
    }
}

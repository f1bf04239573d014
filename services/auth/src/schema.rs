// Written to match `migrations/`; both backends share it.

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        roles -> Text,
        created_at -> Timestamp,
        disabled -> Bool,
        must_change_password -> Bool,
        session_epoch -> BigInt,
        temporary_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (subject) {
        subject -> Text,
        failures -> Integer,
        window_ends_at -> Timestamp,
    }
}

diesel::table! {
    revocations (id) {
        id -> Text,
        user_id -> Text,
        token_id -> Nullable<Text>,
        session_epoch -> BigInt,
        revoked_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

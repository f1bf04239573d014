// Written to match `migrations/`; both backends share it.

diesel::table! {
    terms (id) {
        id -> Text,
        code -> Text,
        title -> Text,
        starts_on -> Date,
        ends_on -> Date,
        registration_opens_at -> Timestamp,
        add_drop_closes_at -> Timestamp,
        max_credits -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    courses (id) {
        id -> Text,
        code -> Text,
        title -> Text,
        description -> Text,
        teacher_id -> Text,
        teacher_name -> Text,
        capacity -> Integer,
        enrolled -> Integer,
        created_at -> Timestamp,
        seats_changed_at -> Timestamp,
        archived_at -> Nullable<Timestamp>,
        term_id -> Text,
        credits -> Integer,
        waitlisted -> Integer,
        section -> Text,
    }
}

diesel::table! {
    enrollments (course_id, student_id) {
        course_id -> Text,
        student_id -> Text,
        student_name -> Text,
        student_email -> Text,
        enrolled_at -> Timestamp,
        credits -> Integer,
        override_reason -> Nullable<Text>,
    }
}

diesel::table! {
    student_terms (student_id, term_id) {
        student_id -> Text,
        term_id -> Text,
        credits -> Integer,
        max_credits -> Nullable<Integer>,
        max_credits_reason -> Nullable<Text>,
        registration_opens_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    meeting_times (course_id, weekday, starts_at) {
        course_id -> Text,
        weekday -> Integer,
        starts_at -> Integer,
        ends_at -> Integer,
        room -> Text,
    }
}

diesel::table! {
    waitlist_entries (course_id, student_id) {
        course_id -> Text,
        student_id -> Text,
        student_name -> Text,
        student_email -> Text,
        joined_at -> Timestamp,
    }
}

diesel::table! {
    holds (id) {
        id -> Text,
        student_id -> Text,
        reason -> Text,
        placed_by -> Text,
        placed_at -> Timestamp,
        lifted_by -> Nullable<Text>,
        lifted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    registration_events (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        student_id -> Text,
        student_name -> Text,
        course_id -> Nullable<Text>,
        action -> Text,
        outcome -> Text,
        code -> Text,
        detail -> Text,
    }
}

diesel::table! {
    course_requisites (course_code, required_code) {
        course_code -> Text,
        required_code -> Text,
        kind -> Text,
        min_grade_tenths -> Integer,
    }
}

diesel::table! {
    completions (student_id, course_code, origin) {
        student_id -> Text,
        course_code -> Text,
        origin -> Text,
        grade_tenths -> Integer,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    completion_feed (id) {
        id -> Integer,
        read_up_to -> Timestamp,
        synced_at -> Timestamp,
    }
}

diesel::joinable!(enrollments -> courses (course_id));
diesel::joinable!(registration_events -> courses (course_id));
diesel::joinable!(waitlist_entries -> courses (course_id));
diesel::joinable!(meeting_times -> courses (course_id));
diesel::joinable!(courses -> terms (term_id));
diesel::allow_tables_to_appear_in_same_query!(
    terms,
    courses,
    enrollments,
    student_terms,
    meeting_times,
    waitlist_entries,
    holds,
    registration_events,
    course_requisites,
    completions,
    completion_feed
);

// Written to match `migrations/`; both backends share it.

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
    }
}

diesel::table! {
    enrollments (course_id, student_id) {
        course_id -> Text,
        student_id -> Text,
        student_name -> Text,
        student_email -> Text,
        enrolled_at -> Timestamp,
    }
}

diesel::joinable!(enrollments -> courses (course_id));
diesel::allow_tables_to_appear_in_same_query!(courses, enrollments);

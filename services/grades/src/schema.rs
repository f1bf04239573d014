// Written to match `migrations/`; both backends share it.

diesel::table! {
    grades (course_id, student_id) {
        course_id -> Text,
        student_id -> Text,
        course_code -> Text,
        course_title -> Text,
        teacher_id -> Text,
        student_name -> Text,
        grade_tenths -> Integer,
        revision -> Integer,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    grade_changes (id) {
        id -> Text,
        course_id -> Text,
        student_id -> Text,
        revision -> Integer,
        old_grade_tenths -> Nullable<Integer>,
        new_grade_tenths -> Integer,
        changed_by -> Text,
        changed_by_name -> Text,
        changed_at -> Timestamp,
    }
}

//! The demo data of `--seed-demo`, in one place so that every service seeds
//! the same fixed ids and the data lines up across databases.

use shared_types::Role;
use uuid::Uuid;

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "demo-password-1";

/// A demo user (seeded by auth-service).
#[derive(Debug, Clone, Copy)]
pub struct DemoUser {
    pub id: Uuid,
    pub email: &'static str,
    pub name: &'static str,
    pub roles: &'static [Role],
}

/// A demo course (seeded by course-service).
#[derive(Debug, Clone, Copy)]
pub struct DemoCourse {
    pub id: Uuid,
    pub code: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub capacity: i32,
    pub teacher: DemoUser,
    /// When it meets: day (1 Monday to 7), start and end ("HH:MM"), room.
    /// No two demo courses share a minute, so no demo enrollment clashes.
    pub meets: &'static [(i32, &'static str, &'static str, &'static str)],
    /// Which section of its code it is.
    pub section: &'static str,
}

/// A demo enrollment (seeded by course-service).
#[derive(Debug, Clone, Copy)]
pub struct DemoEnrollment {
    pub course: DemoCourse,
    pub student: DemoUser,
}

/// A demo grade (seeded by grade-service), given by the course's teacher.
#[derive(Debug, Clone, Copy)]
pub struct DemoGrade {
    pub course: DemoCourse,
    pub student: DemoUser,
    pub grade_tenths: i32,
}

const fn id(n: u128) -> Uuid {
    // Fixed, recognisable v4-shaped ids: 00000000-0000-4000-8000-0000000000nn.
    Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0000 | n)
}

pub const ADMIN: DemoUser = DemoUser {
    id: id(0x01),
    email: "admin@example.edu",
    name: "Ada Admin",
    roles: &[Role::Admin],
};
pub const TEACHER: DemoUser = DemoUser {
    id: id(0x11),
    email: "teacher@example.edu",
    name: "Grace Hopper",
    roles: &[Role::Teacher],
};
pub const TEACHER2: DemoUser = DemoUser {
    id: id(0x12),
    email: "teacher2@example.edu",
    name: "Alan Turing",
    roles: &[Role::Teacher],
};
pub const STUDENT: DemoUser = DemoUser {
    id: id(0x21),
    email: "student@example.edu",
    name: "Sam Rivera",
    roles: &[Role::Student],
};
pub const STUDENT2: DemoUser = DemoUser {
    id: id(0x22),
    email: "student2@example.edu",
    name: "Kim Lee",
    roles: &[Role::Student],
};

pub const USERS: [DemoUser; 5] = [ADMIN, TEACHER, TEACHER2, STUDENT, STUDENT2];

pub const CS101: DemoCourse = DemoCourse {
    id: id(0x101),
    code: "CS101",
    title: "Introduction to Programming",
    description: "Variables, functions, loops and the art of debugging, in Rust.",
    capacity: 30,
    teacher: TEACHER,
    meets: &[(1, "09:00", "10:15", "B-201"), (3, "09:00", "10:15", "B-201")],
    section: "01",
};
pub const CS201: DemoCourse = DemoCourse {
    id: id(0x102),
    code: "CS201",
    title: "Data Structures",
    description: "Lists, trees, hash maps and graphs, and what each costs.",
    capacity: 25,
    teacher: TEACHER,
    meets: &[(2, "10:30", "11:45", "B-201"), (4, "10:30", "11:45", "B-201")],
    section: "01",
};
pub const PHYS101: DemoCourse = DemoCourse {
    id: id(0x103),
    code: "PHYS101",
    title: "Physics I: Mechanics",
    description: "Motion, forces, energy and momentum.",
    capacity: 35,
    teacher: TEACHER,
    meets: &[(1, "10:30", "11:45", "P-12"), (3, "10:30", "11:45", "P-12")],
    section: "01",
};
pub const MATH120: DemoCourse = DemoCourse {
    id: id(0x104),
    code: "MATH120",
    title: "Linear Algebra",
    description: "Vectors, matrices, eigenvalues and their uses.",
    capacity: 40,
    teacher: TEACHER2,
    meets: &[(2, "09:00", "10:15", "M-3"), (4, "09:00", "10:15", "M-3")],
    section: "01",
};
/// Nearly full: two seats, one taken.
pub const HIST210: DemoCourse = DemoCourse {
    id: id(0x105),
    code: "HIST210",
    title: "History of Computing",
    description: "From the Analytical Engine to the internet. A small seminar.",
    capacity: 2,
    teacher: TEACHER2,
    meets: &[(5, "13:00", "15:00", "Library seminar room")],
    section: "01",
};

pub const COURSES: [DemoCourse; 5] = [CS101, CS201, PHYS101, MATH120, HIST210];

pub const ENROLLMENTS: [DemoEnrollment; 4] = [
    DemoEnrollment {
        course: CS101,
        student: STUDENT,
    },
    DemoEnrollment {
        course: MATH120,
        student: STUDENT,
    },
    DemoEnrollment {
        course: CS101,
        student: STUDENT2,
    },
    DemoEnrollment {
        course: HIST210,
        student: STUDENT2,
    },
];

pub const GRADES: [DemoGrade; 2] = [
    DemoGrade {
        course: CS101,
        student: STUDENT,
        grade_tenths: 35,
    },
    DemoGrade {
        course: HIST210,
        student: STUDENT2,
        grade_tenths: 40,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_lines_up() {
        for e in ENROLLMENTS {
            assert!(COURSES.iter().any(|c| c.id == e.course.id));
            assert!(e.student.roles.contains(&Role::Student));
        }
        for g in GRADES {
            assert!(ENROLLMENTS
                .iter()
                .any(|e| e.course.id == g.course.id && e.student.id == g.student.id));
        }
        for c in COURSES {
            let taken = ENROLLMENTS.iter().filter(|e| e.course.id == c.id).count() as i32;
            assert!(taken <= c.capacity);
        }
    }
}
